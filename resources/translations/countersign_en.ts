<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
    <context>
        <name></name>
        <message id="app.title">
            <source>CounterSign</source>
            <translation>CounterSign</translation>
        </message>
        <message id="language.switch">
            <source>中文</source>
            <translation>中文</translation>
        </message>
        <message id="action.cancel">
            <source>Cancel</source>
            <translation>Cancel</translation>
        </message>
        <message id="action.retry">
            <source>Try again</source>
            <translation>Try again</translation>
        </message>
        <message id="busy.starting">
            <source>Starting, please wait…</source>
            <translation>Starting, please wait…</translation>
        </message>
        <message id="busy.beginning">
            <source>Getting ready, please wait…</source>
            <translation>Getting ready, please wait…</translation>
        </message>
        <message id="busy.consent">
            <source>Saving your choice…</source>
            <translation>Saving your choice…</translation>
        </message>
        <message id="busy.reading_card">
            <source>Reading your ID card. Please keep it still…</source>
            <translation>Reading your ID card. Please keep it still…</translation>
        </message>
        <message id="busy.checking_licence">
            <source>Checking your driving licence…</source>
            <translation>Checking your driving licence…</translation>
        </message>
        <message id="busy.capturing_face">
            <source>Taking your picture. Please look at the camera…</source>
            <translation>Taking your picture. Please look at the camera…</translation>
        </message>
        <message id="busy.verifying">
            <source>Comparing your face with the card photo…</source>
            <translation>Comparing your face with the card photo…</translation>
        </message>
        <message id="busy.preparing_contract">
            <source>Preparing your contract…</source>
            <translation>Preparing your contract…</translation>
        </message>
        <message id="busy.acknowledging">
            <source>Saving your confirmation…</source>
            <translation>Saving your confirmation…</translation>
        </message>
        <message id="busy.signing">
            <source>Signing and saving your contract, please wait…</source>
            <translation>Signing and saving your contract, please wait…</translation>
        </message>
        <message id="busy.cancelling">
            <source>Cancelling…</source>
            <translation>Cancelling…</translation>
        </message>
        <message id="busy.ending">
            <source>Clearing the data of this session…</source>
            <translation>Clearing the data of this session…</translation>
        </message>
        <message id="step.consent">
            <source>Consent</source>
            <translation>Consent</translation>
        </message>
        <message id="step.document">
            <source>ID card</source>
            <translation>ID card</translation>
        </message>
        <message id="step.licence">
            <source>Licence</source>
            <translation>Licence</translation>
        </message>
        <message id="step.face">
            <source>Face</source>
            <translation>Face</translation>
        </message>
        <message id="step.verification">
            <source>Checks</source>
            <translation>Checks</translation>
        </message>
        <message id="step.contract">
            <source>Contract</source>
            <translation>Contract</translation>
        </message>
        <message id="step.sign">
            <source>Sign</source>
            <translation>Sign</translation>
        </message>
        <message id="step.done">
            <source>Done</source>
            <translation>Done</translation>
        </message>
        <message id="welcome.title">
            <source>Welcome to self-service car rental</source>
            <translation>Welcome to self-service car rental</translation>
        </message>
        <message id="welcome.body">
            <source>You will need your resident ID card, and you will sign on the screen.</source>
            <translation>You will need your resident ID card, and you will sign on the screen.</translation>
        </message>
        <message id="welcome.start">
            <source>Start</source>
            <translation>Start</translation>
        </message>
        <message id="consent.title">
            <source>Consent to the processing of your personal data</source>
            <translation>Consent to the processing of your personal data</translation>
        </message>
        <message id="consent.continue">
            <source>Continue</source>
            <translation>Continue</translation>
        </message>
        <message id="consent.decline">
            <source>Decline, see a clerk</source>
            <translation>Decline, see a clerk</translation>
        </message>
        <message id="consent.decline_assisted">
            <source>Decline</source>
            <translation>Decline</translation>
        </message>
        <message id="document.title">
            <source>Place your ID card on the reader</source>
            <translation>Place your ID card on the reader</translation>
        </message>
        <message id="document.body">
            <source>Lay your ID card flat on the reader, then press “Read card”. Keep the card still while it is read.</source>
            <translation>Lay your ID card flat on the reader, then press “Read card”. Keep the card still while it is read.</translation>
        </message>
        <message id="document.read">
            <source>Read card</source>
            <translation>Read card</translation>
        </message>
        <message id="licence.title">
            <source>Driving licence and ID card validity</source>
            <translation>Driving licence and ID card validity</translation>
        </message>
        <message id="licence.continue">
            <source>Next: face photo</source>
            <translation>Next: face photo</translation>
        </message>
        <message id="face.title">
            <source>Face photo</source>
            <translation>Face photo</translation>
        </message>
        <message id="face.body">
            <source>Please take off your hat, mask and sunglasses, look straight at the camera, then press “Take picture”.</source>
            <translation>Please take off your hat, mask and sunglasses, look straight at the camera, then press “Take picture”.</translation>
        </message>
        <message id="face.capture">
            <source>Take picture</source>
            <translation>Take picture</translation>
        </message>
        <message id="face.retake">
            <source>Take again</source>
            <translation>Take again</translation>
        </message>
        <message id="face.continue">
            <source>Next: checks</source>
            <translation>Next: checks</translation>
        </message>
        <message id="face.preview.starting">
            <source>Opening the camera…</source>
            <translation>Opening the camera…</translation>
        </message>
        <message id="verification.title">
            <source>Check results</source>
            <translation>Check results</translation>
        </message>
        <message id="verification.continue">
            <source>Next: read the contract</source>
            <translation>Next: read the contract</translation>
        </message>
        <message id="contract.title">
            <source>Rental contract</source>
            <translation>Rental contract</translation>
        </message>
        <message id="contract.hint">
            <source>Please read the contract and tick each clause that needs your confirmation.</source>
            <translation>Please read the contract and tick each clause that needs your confirmation.</translation>
        </message>
        <message id="contract.scroll_hint">
            <source>Scroll to the end to confirm.</source>
            <translation>Scroll to the end to confirm.</translation>
        </message>
        <message id="contract.fields">
            <source>Contract details</source>
            <translation>Contract details</translation>
        </message>
        <message id="contract.clauses">
            <source>Terms</source>
            <translation>Terms</translation>
        </message>
        <message id="contract.must_acknowledge">
            <source>(confirmation needed)</source>
            <translation>(confirmation needed)</translation>
        </message>
        <message id="contract.acknowledge">
            <source>I have read and accept the clause “{title}”</source>
            <translation>I have read and accept the clause “{title}”</translation>
        </message>
        <message id="contract.confirm">
            <source>Confirm and go to signing</source>
            <translation>Confirm and go to signing</translation>
        </message>
        <message id="sign.title">
            <source>Please sign in the box below</source>
            <translation>Please sign in the box below</translation>
        </message>
        <message id="sign.body">
            <source>Write your name with your finger or the pen. Press “Clear” to start over.</source>
            <translation>Write your name with your finger or the pen. Press “Clear” to start over.</translation>
        </message>
        <message id="sign.contract_no">
            <source>Contract number: {number}</source>
            <translation>Contract number: {number}</translation>
        </message>
        <message id="sign.clear">
            <source>Clear</source>
            <translation>Clear</translation>
        </message>
        <message id="sign.submit">
            <source>Submit signature</source>
            <translation>Submit signature</translation>
        </message>
        <message id="done.title">
            <source>All done</source>
            <translation>All done</translation>
        </message>
        <message id="done.contract_no">
            <source>Contract number: {number}</source>
            <translation>Contract number: {number}</translation>
        </message>
        <message id="done.body">
            <source>Thank you! Show this contract number when you collect the car.</source>
            <translation>Thank you! Show this contract number when you collect the car.</translation>
        </message>
        <message id="done.finish">
            <source>Finish</source>
            <translation>Finish</translation>
        </message>
        <message id="exit.refused.title">
            <source>We cannot complete your rental</source>
            <translation>We cannot complete your rental</translation>
        </message>
        <message id="exit.clerk_review.title">
            <source>Please go to the counter</source>
            <translation>Please go to the counter</translation>
        </message>
        <message id="exit.cancelled.title">
            <source>Cancelled</source>
            <translation>Cancelled</translation>
        </message>
        <message id="exit.reference">
            <source>Reference: {session_id} (please tell the staff)</source>
            <translation>Reference: {session_id} (please tell the staff)</translation>
        </message>
        <message id="exit.start_again">
            <source>Start again</source>
            <translation>Start again</translation>
        </message>
        <message id="check.outcome.pass">
            <source>Passed</source>
            <translation>Passed</translation>
        </message>
        <message id="check.outcome.fail">
            <source>Failed</source>
            <translation>Failed</translation>
        </message>
        <message id="check.outcome.review">
            <source>Staff check</source>
            <translation>Staff check</translation>
        </message>
        <message id="check.outcome.retry">
            <source>Try again</source>
            <translation>Try again</translation>
        </message>
        <message id="check.outcome.skipped">
            <source>Not performed</source>
            <translation>Not performed</translation>
        </message>
        <message id="check.document_number">
            <source>Document number</source>
            <translation>Document number</translation>
        </message>
        <message id="check.document_validity">
            <source>Document validity</source>
            <translation>Document validity</translation>
        </message>
        <message id="check.customer_age">
            <source>Age</source>
            <translation>Age</translation>
        </message>
        <message id="check.licence_holder">
            <source>Licence holder</source>
            <translation>Licence holder</translation>
        </message>
        <message id="check.licence_class">
            <source>Licence class</source>
            <translation>Licence class</translation>
        </message>
        <message id="check.licence_validity">
            <source>Licence validity</source>
            <translation>Licence validity</translation>
        </message>
        <message id="check.licence_probation">
            <source>Probationary year</source>
            <translation>Probationary year</translation>
        </message>
        <message id="check.liveness">
            <source>Liveness</source>
            <translation>Liveness</translation>
        </message>
        <message id="check.face_match">
            <source>Face match</source>
            <translation>Face match</translation>
        </message>
        <message id="check.face_duplicate">
            <source>Duplicate identity</source>
            <translation>Duplicate identity</translation>
        </message>
        <message id="check.national_id">
            <source>National ID check</source>
            <translation>National ID check</translation>
        </message>
        <message id="check.contract_check">
            <source>Contract check</source>
            <translation>Contract check</translation>
        </message>
        <message id="check.risk">
            <source>Risk assessment</source>
            <translation>Risk assessment</translation>
        </message>
        <message id="sync.never">
            <source>HQ sync: not yet</source>
            <translation>HQ sync: not yet</translation>
        </message>
        <message id="sync.last">
            <source>HQ sync {time}</source>
            <translation>HQ sync {time}</translation>
        </message>
        <message id="sync.pending">
            <source>{count} waiting</source>
            <translation>{count} waiting</translation>
        </message>
        <message id="sync.failed">
            <source>{count} rejected, call IT</source>
            <translation>{count} rejected, call IT</translation>
        </message>
        <message id="sync.offline">
            <source>offline</source>
            <translation>offline</translation>
        </message>
        <message id="sync.error">
            <source>sync error</source>
            <translation>sync error</translation>
        </message>
        <message id="sync.uploading">
            <source>uploading {done}/{total}</source>
            <translation>uploading {done}/{total}</translation>
        </message>
        <message id="idle.title">
            <source>Are you still there?</source>
            <translation>Are you still there?</translation>
        </message>
        <message id="idle.body">
            <source>In {seconds} seconds this session will be cancelled and your details cleared from the screen.</source>
            <translation>In {seconds} seconds this session will be cancelled and your details cleared from the screen.</translation>
        </message>
        <message id="idle.continue">
            <source>I'm here, continue</source>
            <translation>I'm here, continue</translation>
        </message>
        <message id="service.title">
            <source>Service needed</source>
            <translation>Service needed</translation>
        </message>
        <message id="counter.title">
            <source>CounterSign counter</source>
            <translation>CounterSign counter</translation>
        </message>
        <message id="counter.training.banner">
            <source>TRAINING / 培训模式: demo customers, nothing is saved to the branch store</source>
            <translation>TRAINING / 培训模式: demo customers, nothing is saved to the branch store</translation>
        </message>
        <message id="counter.clerk_line">
            <source>{name} ({account}, {role})</source>
            <translation>{name} ({account}, {role})</translation>
        </message>
        <message id="counter.role.clerk">
            <source>clerk</source>
            <translation>clerk</translation>
        </message>
        <message id="counter.role.supervisor">
            <source>supervisor</source>
            <translation>supervisor</translation>
        </message>
        <message id="counter.role.branch_it">
            <source>branch IT</source>
            <translation>branch IT</translation>
        </message>
        <message id="counter.role.auditor">
            <source>auditor</source>
            <translation>auditor</translation>
        </message>
        <message id="counter.sign_out">
            <source>Sign out (Ctrl+Shift+L)</source>
            <translation>Sign out (Ctrl+Shift+L)</translation>
        </message>
        <message id="counter.tab.session">
            <source>Assisted session</source>
            <translation>Assisted session</translation>
        </message>
        <message id="counter.tab.review">
            <source>Review queue</source>
            <translation>Review queue</translation>
        </message>
        <message id="counter.tab.archive">
            <source>Contract archive</source>
            <translation>Contract archive</translation>
        </message>
        <message id="counter.tab.devices">
            <source>Devices</source>
            <translation>Devices</translation>
        </message>
        <message id="counter.busy.starting">
            <source>Starting the counter terminal…</source>
            <translation>Starting the counter terminal…</translation>
        </message>
        <message id="counter.busy.signing_in">
            <source>Checking the account…</source>
            <translation>Checking the account…</translation>
        </message>
        <message id="counter.busy.saving">
            <source>Saving…</source>
            <translation>Saving…</translation>
        </message>
        <message id="counter.busy.loading">
            <source>Loading…</source>
            <translation>Loading…</translation>
        </message>
        <message id="counter.busy.searching">
            <source>Searching…</source>
            <translation>Searching…</translation>
        </message>
        <message id="counter.busy.probing">
            <source>Checking the devices…</source>
            <translation>Checking the devices…</translation>
        </message>
        <message id="counter.busy.syncing">
            <source>Asking for a sync with HQ…</source>
            <translation>Asking for a sync with HQ…</translation>
        </message>
        <message id="counter.login.title">
            <source>Staff sign-in</source>
            <translation>Staff sign-in</translation>
        </message>
        <message id="counter.login.account">
            <source>&amp;Account</source>
            <translation>&amp;Account</translation>
        </message>
        <message id="counter.login.account_hint">
            <source>account id, such as zhang.li</source>
            <translation>account id, such as zhang.li</translation>
        </message>
        <message id="counter.login.pin">
            <source>&amp;PIN</source>
            <translation>&amp;PIN</translation>
        </message>
        <message id="counter.login.pin_hint">
            <source>6 or more digits</source>
            <translation>6 or more digits</translation>
        </message>
        <message id="counter.login.submit">
            <source>Sign in</source>
            <translation>Sign in</translation>
        </message>
        <message id="counter.login.missing">
            <source>Please enter the account and the PIN.</source>
            <translation>Please enter the account and the PIN.</translation>
        </message>
        <message id="counter.login.training_accounts">
            <source>Training accounts (account / PIN):
{accounts}</source>
            <translation>Training accounts (account / PIN):
{accounts}</translation>
        </message>
        <message id="counter.session.demo_customer">
            <source>&amp;Demo customer</source>
            <translation>&amp;Demo customer</translation>
        </message>
        <message id="counter.session.start">
            <source>Start session</source>
            <translation>Start session</translation>
        </message>
        <message id="counter.session.cancel">
            <source>Cancel session</source>
            <translation>Cancel session</translation>
        </message>
        <message id="counter.session.end">
            <source>End and clear</source>
            <translation>End and clear</translation>
        </message>
        <message id="counter.session.idle">
            <source>No session is running. Press “Start session” to serve the customer.</source>
            <translation>No session is running. Press “Start session” to serve the customer.</translation>
        </message>
        <message id="counter.clerk.no_session">
            <source>No session</source>
            <translation>No session</translation>
        </message>
        <message id="counter.clerk.session">
            <source>Session {session_id} · stage {stage}</source>
            <translation>Session {session_id} · stage {stage}</translation>
        </message>
        <message id="counter.clerk.checks">
            <source>Checks, with scores and thresholds for staff</source>
            <translation>Checks, with scores and thresholds for staff</translation>
        </message>
        <message id="counter.clerk.column.check">
            <source>Check</source>
            <translation>Check</translation>
        </message>
        <message id="counter.clerk.column.outcome">
            <source>Outcome</source>
            <translation>Outcome</translation>
        </message>
        <message id="counter.clerk.column.figures">
            <source>Figures</source>
            <translation>Figures</translation>
        </message>
        <message id="counter.clerk.column.reason">
            <source>Reason</source>
            <translation>Reason</translation>
        </message>
        <message id="counter.figure.face_match">
            <source>distance {distance}, threshold {threshold} (below the threshold is a match)</source>
            <translation>distance {distance}, threshold {threshold} (below the threshold is a match)</translation>
        </message>
        <message id="counter.figure.face_duplicate">
            <source>{count} other identities within the threshold {threshold}, closest distance {distance}</source>
            <translation>{count} other identities within the threshold {threshold}, closest distance {distance}</translation>
        </message>
        <message id="counter.clerk.licence">
            <source>Licence typed by the clerk</source>
            <translation>Licence typed by the clerk</translation>
        </message>
        <message id="counter.licence.number">
            <source>Licence number</source>
            <translation>Licence number</translation>
        </message>
        <message id="counter.licence.number.hint">
            <source>the ID number, for Chinese citizens</source>
            <translation>the ID number, for Chinese citizens</translation>
        </message>
        <message id="counter.licence.name">
            <source>Name</source>
            <translation>Name</translation>
        </message>
        <message id="counter.licence.name.hint">
            <source>as on the licence</source>
            <translation>as on the licence</translation>
        </message>
        <message id="counter.licence.licence_class">
            <source>Licence class</source>
            <translation>Licence class</translation>
        </message>
        <message id="counter.licence.licence_class.hint">
            <source>such as C1</source>
            <translation>such as C1</translation>
        </message>
        <message id="counter.licence.first_issue_date">
            <source>First issue date</source>
            <translation>First issue date</translation>
        </message>
        <message id="counter.licence.first_issue_date.hint">
            <source>such as 2001-03-15</source>
            <translation>such as 2001-03-15</translation>
        </message>
        <message id="counter.licence.valid_from">
            <source>Valid from</source>
            <translation>Valid from</translation>
        </message>
        <message id="counter.licence.valid_from.hint">
            <source>such as 2019-03-15</source>
            <translation>such as 2019-03-15</translation>
        </message>
        <message id="counter.licence.valid_to">
            <source>Valid to</source>
            <translation>Valid to</translation>
        </message>
        <message id="counter.licence.valid_to.hint">
            <source>such as 2029-03-15, or 长期 for long-term</source>
            <translation>such as 2029-03-15, or 长期 for long-term</translation>
        </message>
        <message id="counter.clerk.use_licence">
            <source>Use the typed licence</source>
            <translation>Use the typed licence</translation>
        </message>
        <message id="counter.clerk.licence_pending">
            <source>Details are valid and will be used at the licence step.</source>
            <translation>Details are valid and will be used at the licence step.</translation>
        </message>
        <message id="counter.clerk.licence_used">
            <source>The licence step used the typed details.</source>
            <translation>The licence step used the typed details.</translation>
        </message>
        <message id="counter.clerk.override">
            <source>Override, with a supervisor's approval</source>
            <translation>Override, with a supervisor's approval</translation>
        </message>
        <message id="counter.clerk.reason">
            <source>Reason</source>
            <translation>Reason</translation>
        </message>
        <message id="counter.clerk.reason_hint">
            <source>such as: compared the person with the card photo in hand</source>
            <translation>such as: compared the person with the card photo in hand</translation>
        </message>
        <message id="counter.clerk.supervisor">
            <source>Supervisor account</source>
            <translation>Supervisor account</translation>
        </message>
        <message id="counter.clerk.supervisor_hint">
            <source>typed by the supervisor</source>
            <translation>typed by the supervisor</translation>
        </message>
        <message id="counter.clerk.supervisor_pin">
            <source>Supervisor PIN</source>
            <translation>Supervisor PIN</translation>
        </message>
        <message id="counter.clerk.supervisor_pin_hint">
            <source>typed by the supervisor</source>
            <translation>typed by the supervisor</translation>
        </message>
        <message id="counter.clerk.override_submit">
            <source>Override and go on</source>
            <translation>Override and go on</translation>
        </message>
        <message id="counter.review.title">
            <source>Verifications waiting for a clerk, oldest first</source>
            <translation>Verifications waiting for a clerk, oldest first</translation>
        </message>
        <message id="counter.review.column.created_at">
            <source>Time</source>
            <translation>Time</translation>
        </message>
        <message id="counter.review.column.number">
            <source>ID number</source>
            <translation>ID number</translation>
        </message>
        <message id="counter.review.column.reservation">
            <source>Reservation</source>
            <translation>Reservation</translation>
        </message>
        <message id="counter.review.column.session">
            <source>Session</source>
            <translation>Session</translation>
        </message>
        <message id="counter.review.column.reasons">
            <source>Reasons</source>
            <translation>Reasons</translation>
        </message>
        <message id="counter.review.reason">
            <source>&amp;Reason</source>
            <translation>&amp;Reason</translation>
        </message>
        <message id="counter.review.reason_hint">
            <source>why you approve or refuse</source>
            <translation>why you approve or refuse</translation>
        </message>
        <message id="counter.review.approve">
            <source>Approve</source>
            <translation>Approve</translation>
        </message>
        <message id="counter.review.refuse">
            <source>Refuse</source>
            <translation>Refuse</translation>
        </message>
        <message id="counter.review.refresh">
            <source>Refresh</source>
            <translation>Refresh</translation>
        </message>
        <message id="counter.review.none_selected">
            <source>Select a verification first.</source>
            <translation>Select a verification first.</translation>
        </message>
        <message id="counter.review.approved">
            <source>Approved and recorded.</source>
            <translation>Approved and recorded.</translation>
        </message>
        <message id="counter.review.refused">
            <source>Refused and recorded.</source>
            <translation>Refused and recorded.</translation>
        </message>
        <message id="counter.archive.title">
            <source>Contract archive: every search and every opened contract is audited</source>
            <translation>Contract archive: every search and every opened contract is audited</translation>
        </message>
        <message id="counter.archive.by">
            <source>Search &amp;by</source>
            <translation>Search &amp;by</translation>
        </message>
        <message id="counter.archive.by.id_number">
            <source>ID number (full or masked)</source>
            <translation>ID number (full or masked)</translation>
        </message>
        <message id="counter.archive.by.phone">
            <source>Phone</source>
            <translation>Phone</translation>
        </message>
        <message id="counter.archive.by.contract_no">
            <source>Contract number</source>
            <translation>Contract number</translation>
        </message>
        <message id="counter.archive.query_hint">
            <source>such as 110105********002X</source>
            <translation>such as 110105********002X</translation>
        </message>
        <message id="counter.archive.search">
            <source>Search</source>
            <translation>Search</translation>
        </message>
        <message id="counter.archive.column.contract_no">
            <source>Contract</source>
            <translation>Contract</translation>
        </message>
        <message id="counter.archive.column.number">
            <source>ID number</source>
            <translation>ID number</translation>
        </message>
        <message id="counter.archive.column.reservation">
            <source>Reservation</source>
            <translation>Reservation</translation>
        </message>
        <message id="counter.archive.column.signed_at">
            <source>Signed</source>
            <translation>Signed</translation>
        </message>
        <message id="counter.archive.purpose">
            <source>P&amp;urpose</source>
            <translation>P&amp;urpose</translation>
        </message>
        <message id="counter.archive.purpose_hint">
            <source>such as: customer called about the deposit</source>
            <translation>such as: customer called about the deposit</translation>
        </message>
        <message id="counter.archive.open">
            <source>Open contract</source>
            <translation>Open contract</translation>
        </message>
        <message id="counter.archive.none_found">
            <source>No contract matches.</source>
            <translation>No contract matches.</translation>
        </message>
        <message id="counter.archive.none_selected">
            <source>Select a contract first.</source>
            <translation>Select a contract first.</translation>
        </message>
        <message id="counter.archive.details">
            <source>Contract {contract_no}: {name}, ID {number}, phone {phone}, signed {signed_at}. PDF of {size} bytes, SHA-256 {sha256}…</source>
            <translation>Contract {contract_no}: {name}, ID {number}, phone {phone}, signed {signed_at}. PDF of {size} bytes, SHA-256 {sha256}…</translation>
        </message>
        <message id="counter.devices.title">
            <source>Devices and the HQ link</source>
            <translation>Devices and the HQ link</translation>
        </message>
        <message id="counter.devices.reader">
            <source>ID-card reader</source>
            <translation>ID-card reader</translation>
        </message>
        <message id="counter.devices.camera">
            <source>Camera</source>
            <translation>Camera</translation>
        </message>
        <message id="counter.devices.pad">
            <source>Signature pad</source>
            <translation>Signature pad</translation>
        </message>
        <message id="counter.devices.hq">
            <source>HQ link</source>
            <translation>HQ link</translation>
        </message>
        <message id="counter.devices.last_sync">
            <source>Last sync</source>
            <translation>Last sync</translation>
        </message>
        <message id="counter.devices.outbox">
            <source>{pending} waiting to be sent, {failed} rejected</source>
            <translation>{pending} waiting to be sent, {failed} rejected</translation>
        </message>
        <message id="counter.devices.probe">
            <source>Probe devices</source>
            <translation>Probe devices</translation>
        </message>
        <message id="counter.devices.sync_now">
            <source>Sync now</source>
            <translation>Sync now</translation>
        </message>
        <message id="counter.devices.sync_asked">
            <source>A sync was requested; its result will show here.</source>
            <translation>A sync was requested; its result will show here.</translation>
        </message>
        <message id="counter.devices.not_probed">
            <source>not checked yet</source>
            <translation>not checked yet</translation>
        </message>
        <message id="counter.devices.reader_ok">
            <source>SAM healthy</source>
            <translation>SAM healthy</translation>
        </message>
        <message id="counter.devices.reader_sam_fault">
            <source>SAM fault</source>
            <translation>SAM fault</translation>
        </message>
        <message id="counter.devices.reader_failed">
            <source>reader not responding</source>
            <translation>reader not responding</translation>
        </message>
        <message id="counter.devices.reader_unprobed">
            <source>vendor library reader: cannot be probed, read a card to test it</source>
            <translation>vendor library reader: cannot be probed, read a card to test it</translation>
        </message>
        <message id="counter.devices.card_present">
            <source>card present</source>
            <translation>card present</translation>
        </message>
        <message id="counter.devices.card_absent">
            <source>no card</source>
            <translation>no card</translation>
        </message>
        <message id="counter.devices.camera_ok">
            <source>frames arriving, {frames} so far</source>
            <translation>frames arriving, {frames} so far</translation>
        </message>
        <message id="counter.devices.camera_failed">
            <source>no frames ({frames} so far)</source>
            <translation>no frames ({frames} so far)</translation>
        </message>
        <message id="counter.devices.camera_unknown">
            <source>not started</source>
            <translation>not started</translation>
        </message>
        <message id="counter.devices.pad_canvas">
            <source>on-screen signing (no external pad configured)</source>
            <translation>on-screen signing (no external pad configured)</translation>
        </message>
        <message id="counter.devices.hq_none">
            <source>no HQ configured (offline branch)</source>
            <translation>no HQ configured (offline branch)</translation>
        </message>
        <message id="counter.devices.hq_link">
            <source>{url}</source>
            <translation>{url}</translation>
        </message>
        <message id="counter.devices.hq_status.ok">
            <source>last sync succeeded</source>
            <translation>last sync succeeded</translation>
        </message>
        <message id="counter.devices.hq_status.offline">
            <source>offline</source>
            <translation>offline</translation>
        </message>
        <message id="counter.devices.hq_status.error">
            <source>sync error</source>
            <translation>sync error</translation>
        </message>
        <message id="counter.devices.hq_status.busy">
            <source>syncing</source>
            <translation>syncing</translation>
        </message>
        <message id="counter.devices.hq_status.idle">
            <source>not synced yet</source>
            <translation>not synced yet</translation>
        </message>
        <message id="counter.devices.hq_status.unknown">
            <source>state unknown</source>
            <translation>state unknown</translation>
        </message>
        <message id="counter.devices.never_synced">
            <source>no successful sync yet</source>
            <translation>no successful sync yet</translation>
        </message>
        <message id="counter.devices.last_sync_at">
            <source>{time}</source>
            <translation>{time}</translation>
        </message>
        <message id="counter.training.customer.match">
            <source>The card holder: face matches</source>
            <translation>The card holder: face matches</translation>
        </message>
        <message id="counter.training.customer.mismatch">
            <source>Someone else's card: face does not match</source>
            <translation>Someone else's card: face does not match</translation>
        </message>
        <message id="counter.training.customer.expiring">
            <source>ID card about to expire</source>
            <translation>ID card about to expire</translation>
        </message>
        <message id="counter.training.customer.photo">
            <source>A photo held up to the camera (liveness)</source>
            <translation>A photo held up to the camera (liveness)</translation>
        </message>
        <message id="counter.training.customer.blacklisted">
            <source>A blacklisted customer (refused by the risk check)</source>
            <translation>A blacklisted customer (refused by the risk check)</translation>
        </message>
        <message id="counter.training.blacklist_reason">
            <source>training demo: a car returned long overdue</source>
            <translation>training demo: a car returned long overdue</translation>
        </message>
        <message id="counter.archive.pdf_view">
            <source>Contract PDF</source>
            <translation>Contract PDF</translation>
        </message>
        <message id="counter.archive.pdf_unreadable">
            <source>The contract PDF cannot be shown; the file may be damaged. Please contact branch IT.</source>
            <translation>The contract PDF cannot be shown; the file may be damaged. Please contact branch IT.</translation>
        </message>
        <message id="counter.figure.none">
            <source>none</source>
            <translation>none</translation>
        </message>
        <message id="counter.figure.yes">
            <source>yes</source>
            <translation>yes</translation>
        </message>
        <message id="counter.figure.no">
            <source>no</source>
            <translation>no</translation>
        </message>
        <message id="counter.figure.long_term">
            <source>long-term</source>
            <translation>long-term</translation>
        </message>
        <message id="counter.figure.document_number">
            <source>{document_type}, number {number}</source>
            <translation>{document_type}, number {number}</translation>
        </message>
        <message id="counter.figure.document_warnings">
            <source>{count} note(s)</source>
            <translation>{count} note(s)</translation>
        </message>
        <message id="counter.figure.document_validity">
            <source>valid to {valid_to}; return {return_date}, must be valid until {needed_until} ({margin_months} month(s) after return)</source>
            <translation>valid to {valid_to}; return {return_date}, must be valid until {needed_until} ({margin_months} month(s) after return)</translation>
        </message>
        <message id="counter.figure.customer_age">
            <source>age {age}, minimum {minimum_age}</source>
            <translation>age {age}, minimum {minimum_age}</translation>
        </message>
        <message id="counter.figure.licence_class">
            <source>licence class {licence_class}, the vehicle needs {vehicle_class}</source>
            <translation>licence class {licence_class}, the vehicle needs {vehicle_class}</translation>
        </message>
        <message id="counter.figure.licence_class_only">
            <source>licence class {licence_class}</source>
            <translation>licence class {licence_class}</translation>
        </message>
        <message id="counter.figure.licence_validity">
            <source>valid {valid_from} to {valid_to}; return {return_date}</source>
            <translation>valid {valid_from} to {valid_to}; return {return_date}</translation>
        </message>
        <message id="counter.figure.licence_probation">
            <source>first issued {first_issue_date}; in probation: {in_probation}; branch policy: {policy}</source>
            <translation>first issued {first_issue_date}; in probation: {in_probation}; branch policy: {policy}</translation>
        </message>
        <message id="counter.figure.policy.allow">
            <source>rent with a note</source>
            <translation>rent with a note</translation>
        </message>
        <message id="counter.figure.policy.review">
            <source>staff confirm</source>
            <translation>staff confirm</translation>
        </message>
        <message id="counter.figure.policy.refuse">
            <source>do not rent</source>
            <translation>do not rent</translation>
        </message>
        <message id="counter.figure.face_duplicate_none">
            <source>{templates} face templates compared, none within the threshold {threshold}</source>
            <translation>{templates} face templates compared, none within the threshold {threshold}</translation>
        </message>
        <message id="counter.figure.liveness_attempt">
            <source>attempt {attempt} of {max_attempts}</source>
            <translation>attempt {attempt} of {max_attempts}</translation>
        </message>
        <message id="counter.figure.liveness_challenge">
            <source>challenge: {challenge}</source>
            <translation>challenge: {challenge}</translation>
        </message>
        <message id="counter.figure.liveness_not_judged">
            <source>frames could not be judged</source>
            <translation>frames could not be judged</translation>
        </message>
        <message id="counter.figure.challenge.blink">
            <source>blink</source>
            <translation>blink</translation>
        </message>
        <message id="counter.figure.challenge.turn_left">
            <source>turn left</source>
            <translation>turn left</translation>
        </message>
        <message id="counter.figure.challenge.turn_right">
            <source>turn right</source>
            <translation>turn right</translation>
        </message>
        <message id="counter.figure.cue.liveness_challenge">
            <source>challenge done</source>
            <translation>challenge done</translation>
        </message>
        <message id="counter.figure.cue.liveness_blink">
            <source>blink</source>
            <translation>blink</translation>
        </message>
        <message id="counter.figure.cue.liveness_planar_motion">
            <source>depth in motion</source>
            <translation>depth in motion</translation>
        </message>
        <message id="counter.figure.cue.liveness_texture">
            <source>screen texture</source>
            <translation>screen texture</translation>
        </message>
        <message id="counter.figure.risk">
            <source>decision: {decision}; credit score {score} ({band}); conditions: {conditions}; rules: {rules}; rule version {config_version}</source>
            <translation>decision: {decision}; credit score {score} ({band}); conditions: {conditions}; rules: {rules}; rule version {config_version}</translation>
        </message>
        <message id="counter.figure.no_score">
            <source>none (no rental history)</source>
            <translation>none (no rental history)</translation>
        </message>
        <message id="counter.figure.decision.approve">
            <source>approve</source>
            <translation>approve</translation>
        </message>
        <message id="counter.figure.decision.approve_with_conditions">
            <source>approve with conditions</source>
            <translation>approve with conditions</translation>
        </message>
        <message id="counter.figure.decision.clerk_review">
            <source>clerk review</source>
            <translation>clerk review</translation>
        </message>
        <message id="counter.figure.decision.refuse">
            <source>refuse</source>
            <translation>refuse</translation>
        </message>
        <message id="counter.figure.condition.higher_deposit">
            <source>higher deposit</source>
            <translation>higher deposit</translation>
        </message>
        <message id="counter.figure.condition.deposit_waived">
            <source>deposit waived</source>
            <translation>deposit waived</translation>
        </message>
        <message id="counter.figure.condition.supervisor_approval">
            <source>supervisor approval</source>
            <translation>supervisor approval</translation>
        </message>
        <message id="counter.figure.band.preferred">
            <source>preferred band</source>
            <translation>preferred band</translation>
        </message>
        <message id="counter.figure.band.standard">
            <source>standard band</source>
            <translation>standard band</translation>
        </message>
        <message id="counter.figure.band.higher_deposit">
            <source>higher-deposit band</source>
            <translation>higher-deposit band</translation>
        </message>
        <message id="counter.figure.band.review">
            <source>review band</source>
            <translation>review band</translation>
        </message>
        <message id="counter.figure.band.refused">
            <source>refused band</source>
            <translation>refused band</translation>
        </message>
        <message id="counter.figure.rule.blacklist">
            <source>blacklist</source>
            <translation>blacklist</translation>
        </message>
        <message id="counter.figure.rule.duplicate_face">
            <source>same face, several identities</source>
            <translation>same face, several identities</translation>
        </message>
        <message id="counter.figure.rule.several_branches">
            <source>several branches in a short time</source>
            <translation>several branches in a short time</translation>
        </message>
        <message id="counter.figure.rule.document_expires_during_rental">
            <source>document expires during the rental</source>
            <translation>document expires during the rental</translation>
        </message>
        <message id="counter.figure.rule.licence_expires_during_rental">
            <source>licence expires during the rental</source>
            <translation>licence expires during the rental</translation>
        </message>
        <message id="counter.figure.rule.probation_restricted_vehicle">
            <source>vehicle restricted in probation</source>
            <translation>vehicle restricted in probation</translation>
        </message>
        <message id="counter.figure.rule.first_high_value_rental">
            <source>first high-value rental</source>
            <translation>first high-value rental</translation>
        </message>
        <message id="counter.figure.rule.shared_phone">
            <source>phone shared by several people</source>
            <translation>phone shared by several people</translation>
        </message>
        <message id="counter.figure.rule.national_id_rejected">
            <source>national ID check rejected</source>
            <translation>national ID check rejected</translation>
        </message>
        <message id="counter.figure.national_id.match">
            <source>name and number match</source>
            <translation>name and number match</translation>
        </message>
        <message id="counter.figure.national_id.mismatch">
            <source>name or photo does not match the number</source>
            <translation>name or photo does not match the number</translation>
        </message>
        <message id="counter.figure.national_id.not_found">
            <source>number not found</source>
            <translation>number not found</translation>
        </message>
        <message id="counter.figure.national_id.unavailable">
            <source>the service did not respond</source>
            <translation>the service did not respond</translation>
        </message>
        <message id="counter.figure.national_id.offline">
            <source>no link to HQ</source>
            <translation>no link to HQ</translation>
        </message>
        <message id="counter.figure.national_id.photo_checked">
            <source>photo compared</source>
            <translation>photo compared</translation>
        </message>
        <message id="counter.figure.national_id.approved_offline">
            <source>approved offline; HQ checks it again</source>
            <translation>approved offline; HQ checks it again</translation>
        </message>
        <message id="counter.figure.national_id.not_applicable">
            <source>not checked for this document type</source>
            <translation>not checked for this document type</translation>
        </message>
        <message id="counter.figure.contract_ok">
            <source>every field matches</source>
            <translation>every field matches</translation>
        </message>
        <message id="counter.figure.contract_problem">
            <source>{field}: expected {expected}, found {found}</source>
            <translation>{field}: expected {expected}, found {found}</translation>
        </message>
        <message id="counter.figure.declined">
            <source>declined by the customer</source>
            <translation>declined by the customer</translation>
        </message>
        <message id="counter.figure.overridden">
            <source>overridden: was {outcome}, approved by supervisor {supervisor}</source>
            <translation>overridden: was {outcome}, approved by supervisor {supervisor}</translation>
        </message>
        <message id="counter.stage.welcome">
            <source>Welcome</source>
            <translation>Welcome</translation>
        </message>
        <message id="counter.stage.refused">
            <source>Refused</source>
            <translation>Refused</translation>
        </message>
        <message id="counter.stage.clerk_review">
            <source>Clerk review</source>
            <translation>Clerk review</translation>
        </message>
        <message id="counter.stage.cancelled">
            <source>Cancelled</source>
            <translation>Cancelled</translation>
        </message>
        <message id="counter.devices.outbox_label">
            <source>Outbox</source>
            <translation>Outbox</translation>
        </message>
        <message id="counter.sign_out_confirm">
            <source>A customer's session is open. Sign out again to end it.</source>
            <translation>A customer's session is open. Sign out again to end it.</translation>
        </message>
        <message id="screen.more_below">
            <source>↓ There is more below. Scroll down to see it.</source>
            <translation>↓ There is more below. Scroll down to see it.</translation>
        </message>
    </context>
</TS>
