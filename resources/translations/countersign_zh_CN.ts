<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
    <context>
        <name></name>
        <message id="app.title">
            <source>CounterSign</source>
            <translation>租车核验台</translation>
        </message>
        <message id="language.switch">
            <source>中文</source>
            <translation>English</translation>
            <extra-not-chinese>true</extra-not-chinese>
        </message>
        <message id="action.cancel">
            <source>Cancel</source>
            <translation>取消办理</translation>
        </message>
        <message id="action.retry">
            <source>Try again</source>
            <translation>重试</translation>
        </message>
        <message id="busy.starting">
            <source>Starting, please wait…</source>
            <translation>正在启动，请稍候……</translation>
        </message>
        <message id="busy.beginning">
            <source>Getting ready, please wait…</source>
            <translation>正在准备，请稍候……</translation>
        </message>
        <message id="busy.consent">
            <source>Saving your choice…</source>
            <translation>正在记录您的选择……</translation>
        </message>
        <message id="busy.reading_card">
            <source>Reading your ID card. Please keep it still…</source>
            <translation>正在读取证件，请勿移动证件……</translation>
        </message>
        <message id="busy.checking_licence">
            <source>Checking your driving licence…</source>
            <translation>正在核验驾驶证……</translation>
        </message>
        <message id="busy.capturing_face">
            <source>Taking your picture. Please look at the camera…</source>
            <translation>正在拍摄，请正对摄像头……</translation>
        </message>
        <message id="busy.verifying">
            <source>Comparing your face with the card photo…</source>
            <translation>正在比对人脸与证件照片……</translation>
        </message>
        <message id="busy.preparing_contract">
            <source>Preparing your contract…</source>
            <translation>正在生成合同……</translation>
        </message>
        <message id="busy.acknowledging">
            <source>Saving your confirmation…</source>
            <translation>正在记录您的确认……</translation>
        </message>
        <message id="busy.signing">
            <source>Signing and saving your contract, please wait…</source>
            <translation>正在签署并保存合同，请稍候……</translation>
        </message>
        <message id="busy.cancelling">
            <source>Cancelling…</source>
            <translation>正在取消……</translation>
        </message>
        <message id="busy.ending">
            <source>Clearing the data of this session…</source>
            <translation>正在清除本次办理的信息……</translation>
        </message>
        <message id="step.consent">
            <source>Consent</source>
            <translation>同意</translation>
        </message>
        <message id="step.document">
            <source>ID card</source>
            <translation>身份证</translation>
        </message>
        <message id="step.licence">
            <source>Licence</source>
            <translation>驾驶证</translation>
        </message>
        <message id="step.face">
            <source>Face</source>
            <translation>人脸</translation>
        </message>
        <message id="step.verification">
            <source>Checks</source>
            <translation>核验</translation>
        </message>
        <message id="step.contract">
            <source>Contract</source>
            <translation>合同</translation>
        </message>
        <message id="step.sign">
            <source>Sign</source>
            <translation>签名</translation>
        </message>
        <message id="step.done">
            <source>Done</source>
            <translation>完成</translation>
        </message>
        <message id="welcome.title">
            <source>Welcome to self-service car rental</source>
            <translation>欢迎使用自助租车</translation>
        </message>
        <message id="welcome.body">
            <source>You will need your resident ID card, and you will sign on the screen.</source>
            <translation>办理时需要您的居民身份证，并在屏幕上签名。</translation>
        </message>
        <message id="welcome.start">
            <source>Start</source>
            <translation>开始办理</translation>
        </message>
        <message id="consent.title">
            <source>Consent to the processing of your personal data</source>
            <translation>个人信息处理告知与同意</translation>
        </message>
        <message id="consent.continue">
            <source>Continue</source>
            <translation>继续</translation>
        </message>
        <message id="consent.decline">
            <source>Decline, see a clerk</source>
            <translation>不同意，到柜台办理</translation>
        </message>
        <message id="consent.decline_assisted">
            <source>Decline</source>
            <translation>不同意</translation>
        </message>
        <message id="document.title">
            <source>Place your ID card on the reader</source>
            <translation>请将身份证放在读卡区</translation>
        </message>
        <message id="document.body">
            <source>Lay your ID card flat on the reader, then press “Read card”. Keep the card still while it is read.</source>
            <translation>将身份证平放在读卡器上，然后点击“读取证件”。读取时请勿移动证件。</translation>
        </message>
        <message id="document.read">
            <source>Read card</source>
            <translation>读取证件</translation>
        </message>
        <message id="licence.title">
            <source>Driving licence and ID card validity</source>
            <translation>驾驶证与证件有效期核验</translation>
        </message>
        <message id="licence.continue">
            <source>Next: face photo</source>
            <translation>下一步：人脸拍摄</translation>
        </message>
        <message id="face.title">
            <source>Face photo</source>
            <translation>人脸拍摄</translation>
        </message>
        <message id="face.body">
            <source>Please take off your hat, mask and sunglasses, look straight at the camera, then press “Take picture”.</source>
            <translation>请摘下帽子、口罩和墨镜，正对摄像头，然后点击“拍摄”。</translation>
        </message>
        <message id="face.capture">
            <source>Take picture</source>
            <translation>拍摄</translation>
        </message>
        <message id="face.retake">
            <source>Take again</source>
            <translation>重新拍摄</translation>
        </message>
        <message id="face.continue">
            <source>Next: checks</source>
            <translation>下一步：核验</translation>
        </message>
        <message id="face.preview.starting">
            <source>Opening the camera…</source>
            <translation>正在打开摄像头……</translation>
        </message>
        <message id="verification.title">
            <source>Check results</source>
            <translation>核验结果</translation>
        </message>
        <message id="verification.continue">
            <source>Next: read the contract</source>
            <translation>下一步：查看合同</translation>
        </message>
        <message id="contract.title">
            <source>Rental contract</source>
            <translation>租车合同</translation>
        </message>
        <message id="contract.hint">
            <source>Please read the contract and tick each clause that needs your confirmation.</source>
            <translation>请仔细阅读合同，并逐条勾选需要您确认的条款。</translation>
        </message>
        <message id="contract.scroll_hint">
            <source>Scroll to the end to confirm.</source>
            <translation>请向下滑动，读完整份合同后方可确认。</translation>
        </message>
        <message id="contract.fields">
            <source>Contract details</source>
            <translation>合同信息</translation>
        </message>
        <message id="contract.clauses">
            <source>Terms</source>
            <translation>合同条款</translation>
        </message>
        <message id="contract.must_acknowledge">
            <source>(confirmation needed)</source>
            <translation>（需确认）</translation>
        </message>
        <message id="contract.acknowledge">
            <source>I have read and accept the clause “{title}”</source>
            <translation>我已阅读并同意“{title}”条款</translation>
        </message>
        <message id="contract.confirm">
            <source>Confirm and go to signing</source>
            <translation>确认条款，去签名</translation>
        </message>
        <message id="sign.title">
            <source>Please sign in the box below</source>
            <translation>请在下方框内签名</translation>
        </message>
        <message id="sign.body">
            <source>Write your name with your finger or the pen. Press “Clear” to start over.</source>
            <translation>请用手指或手写笔写下您的姓名。写错了可以点击“重写”。</translation>
        </message>
        <message id="sign.contract_no">
            <source>Contract number: {number}</source>
            <translation>合同编号：{number}</translation>
        </message>
        <message id="sign.clear">
            <source>Clear</source>
            <translation>重写</translation>
        </message>
        <message id="sign.submit">
            <source>Submit signature</source>
            <translation>提交签名</translation>
        </message>
        <message id="done.title">
            <source>All done</source>
            <translation>办理完成</translation>
        </message>
        <message id="done.contract_no">
            <source>Contract number: {number}</source>
            <translation>合同编号：{number}</translation>
        </message>
        <message id="done.body">
            <source>Thank you! Show this contract number when you collect the car.</source>
            <translation>谢谢！取车时请出示合同编号。</translation>
        </message>
        <message id="done.finish">
            <source>Finish</source>
            <translation>完成</translation>
        </message>
        <message id="exit.refused.title">
            <source>We cannot complete your rental</source>
            <translation>无法为您办理租车</translation>
        </message>
        <message id="exit.clerk_review.title">
            <source>Please go to the counter</source>
            <translation>请到柜台办理</translation>
        </message>
        <message id="exit.cancelled.title">
            <source>Cancelled</source>
            <translation>已取消办理</translation>
        </message>
        <message id="exit.reference">
            <source>Reference: {session_id} (please tell the staff)</source>
            <translation>办理编号：{session_id}（请告知工作人员）</translation>
        </message>
        <message id="exit.start_again">
            <source>Start again</source>
            <translation>重新开始</translation>
        </message>
        <message id="check.outcome.pass">
            <source>Passed</source>
            <translation>通过</translation>
        </message>
        <message id="check.outcome.fail">
            <source>Failed</source>
            <translation>未通过</translation>
        </message>
        <message id="check.outcome.review">
            <source>Staff check</source>
            <translation>需人工核验</translation>
        </message>
        <message id="check.outcome.retry">
            <source>Try again</source>
            <translation>需重试</translation>
        </message>
        <message id="check.outcome.skipped">
            <source>Not performed</source>
            <translation>未执行</translation>
        </message>
        <message id="check.document_number">
            <source>Document number</source>
            <translation>证件号码</translation>
        </message>
        <message id="check.document_validity">
            <source>Document validity</source>
            <translation>证件有效期</translation>
        </message>
        <message id="check.customer_age">
            <source>Age</source>
            <translation>年龄</translation>
        </message>
        <message id="check.licence_holder">
            <source>Licence holder</source>
            <translation>驾驶证持有人</translation>
        </message>
        <message id="check.licence_class">
            <source>Licence class</source>
            <translation>准驾车型</translation>
        </message>
        <message id="check.licence_validity">
            <source>Licence validity</source>
            <translation>驾驶证有效期</translation>
        </message>
        <message id="check.licence_probation">
            <source>Probationary year</source>
            <translation>实习期</translation>
        </message>
        <message id="check.liveness">
            <source>Liveness</source>
            <translation>活体检测</translation>
        </message>
        <message id="check.face_match">
            <source>Face match</source>
            <translation>人证比对</translation>
        </message>
        <message id="check.face_duplicate">
            <source>Duplicate identity</source>
            <translation>重复身份</translation>
        </message>
        <message id="check.national_id">
            <source>National ID check</source>
            <translation>公民身份信息核查</translation>
        </message>
        <message id="check.contract_check">
            <source>Contract check</source>
            <translation>合同查对</translation>
        </message>
        <message id="check.risk">
            <source>Risk assessment</source>
            <translation>风险评估</translation>
        </message>
        <message id="sync.never">
            <source>HQ sync: not yet</source>
            <translation>总部同步：尚未成功</translation>
        </message>
        <message id="sync.last">
            <source>HQ sync {time}</source>
            <translation>总部同步 {time}</translation>
        </message>
        <message id="sync.pending">
            <source>{count} waiting</source>
            <translation>待发送 {count} 条</translation>
        </message>
        <message id="sync.failed">
            <source>{count} rejected, call IT</source>
            <translation>{count} 条被拒，请联系 IT</translation>
        </message>
        <message id="sync.offline">
            <source>offline</source>
            <translation>离线</translation>
        </message>
        <message id="sync.error">
            <source>sync error</source>
            <translation>同步出错</translation>
        </message>
        <message id="sync.uploading">
            <source>uploading {done}/{total}</source>
            <translation>正在上传 {done}/{total}</translation>
        </message>
        <message id="idle.title">
            <source>Are you still there?</source>
            <translation>您还在吗？</translation>
        </message>
        <message id="idle.body">
            <source>In {seconds} seconds this session will be cancelled and your details cleared from the screen.</source>
            <translation>{seconds} 秒后，本次办理将被取消，您的信息将从屏幕上清除。</translation>
        </message>
        <message id="idle.continue">
            <source>I'm here, continue</source>
            <translation>我还在，继续办理</translation>
        </message>
        <message id="service.title">
            <source>Service needed</source>
            <translation>暂停服务</translation>
        </message>
        <message id="counter.title">
            <source>CounterSign counter</source>
            <translation>租车核验台 · 柜台</translation>
        </message>
        <message id="counter.training.banner">
            <source>TRAINING / 培训模式: demo customers, nothing is saved to the branch store</source>
            <translation>培训模式 / TRAINING：演示客户，不写入门店数据</translation>
        </message>
        <message id="counter.clerk_line">
            <source>{name} ({account}, {role})</source>
            <translation>{name}（{account}，{role}）</translation>
        </message>
        <message id="counter.role.clerk">
            <source>clerk</source>
            <translation>柜员</translation>
        </message>
        <message id="counter.role.supervisor">
            <source>supervisor</source>
            <translation>主管</translation>
        </message>
        <message id="counter.role.branch_it">
            <source>branch IT</source>
            <translation>门店 IT</translation>
        </message>
        <message id="counter.role.auditor">
            <source>auditor</source>
            <translation>审计</translation>
        </message>
        <message id="counter.sign_out">
            <source>Sign out (Ctrl+Shift+L)</source>
            <translation>退出登录 (Ctrl+Shift+L)</translation>
        </message>
        <message id="counter.tab.session">
            <source>Assisted session</source>
            <translation>客户办理</translation>
        </message>
        <message id="counter.tab.review">
            <source>Review queue</source>
            <translation>待审核</translation>
        </message>
        <message id="counter.tab.archive">
            <source>Contract archive</source>
            <translation>合同查询</translation>
        </message>
        <message id="counter.tab.devices">
            <source>Devices</source>
            <translation>设备状态</translation>
        </message>
        <message id="counter.busy.starting">
            <source>Starting the counter terminal…</source>
            <translation>正在启动柜台终端……</translation>
        </message>
        <message id="counter.busy.signing_in">
            <source>Checking the account…</source>
            <translation>正在核对账户……</translation>
        </message>
        <message id="counter.busy.saving">
            <source>Saving…</source>
            <translation>正在保存……</translation>
        </message>
        <message id="counter.busy.loading">
            <source>Loading…</source>
            <translation>正在读取……</translation>
        </message>
        <message id="counter.busy.searching">
            <source>Searching…</source>
            <translation>正在查询……</translation>
        </message>
        <message id="counter.busy.probing">
            <source>Checking the devices…</source>
            <translation>正在检测设备……</translation>
        </message>
        <message id="counter.busy.syncing">
            <source>Asking for a sync with HQ…</source>
            <translation>正在请求与总部同步……</translation>
        </message>
        <message id="counter.login.title">
            <source>Staff sign-in</source>
            <translation>工作人员登录</translation>
        </message>
        <message id="counter.login.account">
            <source>&amp;Account</source>
            <translation>账户(&amp;A)</translation>
        </message>
        <message id="counter.login.account_hint">
            <source>account id, such as zhang.li</source>
            <translation>账户名，如 zhang.li</translation>
        </message>
        <message id="counter.login.pin">
            <source>&amp;PIN</source>
            <translation>PIN 码(&amp;P)</translation>
        </message>
        <message id="counter.login.pin_hint">
            <source>6 or more digits</source>
            <translation>6 位以上数字</translation>
        </message>
        <message id="counter.login.submit">
            <source>Sign in</source>
            <translation>登录</translation>
        </message>
        <message id="counter.login.missing">
            <source>Please enter the account and the PIN.</source>
            <translation>请输入账户和 PIN 码。</translation>
        </message>
        <message id="counter.login.training_accounts">
            <source>Training accounts (account / PIN):
{accounts}</source>
            <translation>培训账户（账户 / PIN 码）：
{accounts}</translation>
        </message>
        <message id="counter.session.demo_customer">
            <source>&amp;Demo customer</source>
            <translation>演示客户(&amp;D)</translation>
        </message>
        <message id="counter.session.start">
            <source>Start session</source>
            <translation>开始办理</translation>
        </message>
        <message id="counter.session.cancel">
            <source>Cancel session</source>
            <translation>取消办理</translation>
        </message>
        <message id="counter.session.end">
            <source>End and clear</source>
            <translation>结束并清除</translation>
        </message>
        <message id="counter.session.idle">
            <source>No session is running. Press “Start session” to serve the customer.</source>
            <translation>没有进行中的办理。点击“开始办理”为客户办理租车。</translation>
        </message>
        <message id="counter.clerk.no_session">
            <source>No session</source>
            <translation>无进行中的办理</translation>
        </message>
        <message id="counter.clerk.session">
            <source>Session {session_id} · stage {stage}</source>
            <translation>办理编号 {session_id} · 阶段 {stage}</translation>
        </message>
        <message id="counter.clerk.checks">
            <source>Checks, with scores and thresholds for staff</source>
            <translation>核验项目（工作人员可见数值与阈值）</translation>
        </message>
        <message id="counter.clerk.column.check">
            <source>Check</source>
            <translation>项目</translation>
        </message>
        <message id="counter.clerk.column.outcome">
            <source>Outcome</source>
            <translation>结果</translation>
        </message>
        <message id="counter.clerk.column.figures">
            <source>Figures</source>
            <translation>数值</translation>
        </message>
        <message id="counter.clerk.column.reason">
            <source>Reason</source>
            <translation>说明</translation>
        </message>
        <message id="counter.figure.face_match">
            <source>distance {distance}, threshold {threshold} (below the threshold is a match)</source>
            <translation>距离 {distance}，阈值 {threshold}（小于阈值为一致）</translation>
        </message>
        <message id="counter.figure.face_duplicate">
            <source>{count} other identities within the threshold {threshold}, closest distance {distance}</source>
            <translation>{count} 个其他身份小于阈值 {threshold}，最近距离 {distance}</translation>
        </message>
        <message id="counter.clerk.licence">
            <source>Licence typed by the clerk</source>
            <translation>代客录入驾驶证</translation>
        </message>
        <message id="counter.licence.number">
            <source>Licence number</source>
            <translation>驾驶证号</translation>
        </message>
        <message id="counter.licence.number.hint">
            <source>the ID number, for Chinese citizens</source>
            <translation>中国公民即身份证号</translation>
        </message>
        <message id="counter.licence.name">
            <source>Name</source>
            <translation>姓名</translation>
        </message>
        <message id="counter.licence.name.hint">
            <source>as on the licence</source>
            <translation>与驾驶证一致</translation>
        </message>
        <message id="counter.licence.licence_class">
            <source>Licence class</source>
            <translation>准驾车型</translation>
        </message>
        <message id="counter.licence.licence_class.hint">
            <source>such as C1</source>
            <translation>如 C1</translation>
        </message>
        <message id="counter.licence.first_issue_date">
            <source>First issue date</source>
            <translation>初次领证日期</translation>
        </message>
        <message id="counter.licence.first_issue_date.hint">
            <source>such as 2001-03-15</source>
            <translation>如 2001-03-15</translation>
        </message>
        <message id="counter.licence.valid_from">
            <source>Valid from</source>
            <translation>有效起始日期</translation>
        </message>
        <message id="counter.licence.valid_from.hint">
            <source>such as 2019-03-15</source>
            <translation>如 2019-03-15</translation>
        </message>
        <message id="counter.licence.valid_to">
            <source>Valid to</source>
            <translation>有效期限</translation>
        </message>
        <message id="counter.licence.valid_to.hint">
            <source>such as 2029-03-15, or 长期 for long-term</source>
            <translation>如 2029-03-15，或“长期”</translation>
        </message>
        <message id="counter.clerk.use_licence">
            <source>Use the typed licence</source>
            <translation>使用录入的驾驶证</translation>
        </message>
        <message id="counter.clerk.licence_pending">
            <source>Details are valid and will be used at the licence step.</source>
            <translation>已核对格式，将在驾驶证核验时使用。</translation>
        </message>
        <message id="counter.clerk.licence_used">
            <source>The licence step used the typed details.</source>
            <translation>驾驶证核验已使用录入的信息。</translation>
        </message>
        <message id="counter.clerk.override">
            <source>Override, with a supervisor's approval</source>
            <translation>人工放行（须主管确认）</translation>
        </message>
        <message id="counter.clerk.reason">
            <source>Reason</source>
            <translation>理由</translation>
        </message>
        <message id="counter.clerk.reason_hint">
            <source>such as: compared the person with the card photo in hand</source>
            <translation>如：已核对本人与证件照片一致</translation>
        </message>
        <message id="counter.clerk.supervisor">
            <source>Supervisor account</source>
            <translation>主管账户</translation>
        </message>
        <message id="counter.clerk.supervisor_hint">
            <source>typed by the supervisor</source>
            <translation>主管本人输入</translation>
        </message>
        <message id="counter.clerk.supervisor_pin">
            <source>Supervisor PIN</source>
            <translation>主管 PIN 码</translation>
        </message>
        <message id="counter.clerk.supervisor_pin_hint">
            <source>typed by the supervisor</source>
            <translation>主管本人输入</translation>
        </message>
        <message id="counter.clerk.override_submit">
            <source>Override and go on</source>
            <translation>放行并继续</translation>
        </message>
        <message id="counter.review.title">
            <source>Verifications waiting for a clerk, oldest first</source>
            <translation>待工作人员审核的核验（最早的在前）</translation>
        </message>
        <message id="counter.review.column.created_at">
            <source>Time</source>
            <translation>时间</translation>
        </message>
        <message id="counter.review.column.number">
            <source>ID number</source>
            <translation>证件号码</translation>
        </message>
        <message id="counter.review.column.reservation">
            <source>Reservation</source>
            <translation>预订号</translation>
        </message>
        <message id="counter.review.column.session">
            <source>Session</source>
            <translation>办理编号</translation>
        </message>
        <message id="counter.review.column.reasons">
            <source>Reasons</source>
            <translation>原因</translation>
        </message>
        <message id="counter.review.reason">
            <source>&amp;Reason</source>
            <translation>理由(&amp;R)</translation>
        </message>
        <message id="counter.review.reason_hint">
            <source>why you approve or refuse</source>
            <translation>批准或拒绝的理由</translation>
        </message>
        <message id="counter.review.approve">
            <source>Approve</source>
            <translation>批准</translation>
        </message>
        <message id="counter.review.refuse">
            <source>Refuse</source>
            <translation>拒绝</translation>
        </message>
        <message id="counter.review.refresh">
            <source>Refresh</source>
            <translation>刷新</translation>
        </message>
        <message id="counter.review.none_selected">
            <source>Select a verification first.</source>
            <translation>请先选择一条待审核记录。</translation>
        </message>
        <message id="counter.review.approved">
            <source>Approved and recorded.</source>
            <translation>已批准并记录。</translation>
        </message>
        <message id="counter.review.refused">
            <source>Refused and recorded.</source>
            <translation>已拒绝并记录。</translation>
        </message>
        <message id="counter.archive.title">
            <source>Contract archive: every search and every opened contract is audited</source>
            <translation>合同查询（每次查询与查看均记入审计日志）</translation>
        </message>
        <message id="counter.archive.by">
            <source>Search &amp;by</source>
            <translation>查询方式(&amp;B)</translation>
        </message>
        <message id="counter.archive.by.id_number">
            <source>ID number (full or masked)</source>
            <translation>身份证号（完整或打码）</translation>
        </message>
        <message id="counter.archive.by.phone">
            <source>Phone</source>
            <translation>手机号</translation>
        </message>
        <message id="counter.archive.by.contract_no">
            <source>Contract number</source>
            <translation>合同编号</translation>
        </message>
        <message id="counter.archive.query_hint">
            <source>such as 110105********002X</source>
            <translation>如 110105********002X</translation>
        </message>
        <message id="counter.archive.search">
            <source>Search</source>
            <translation>查询</translation>
        </message>
        <message id="counter.archive.column.contract_no">
            <source>Contract</source>
            <translation>合同编号</translation>
        </message>
        <message id="counter.archive.column.number">
            <source>ID number</source>
            <translation>证件号码</translation>
        </message>
        <message id="counter.archive.column.reservation">
            <source>Reservation</source>
            <translation>预订号</translation>
        </message>
        <message id="counter.archive.column.signed_at">
            <source>Signed</source>
            <translation>签署时间</translation>
        </message>
        <message id="counter.archive.purpose">
            <source>P&amp;urpose</source>
            <translation>查看目的(&amp;U)</translation>
        </message>
        <message id="counter.archive.purpose_hint">
            <source>such as: customer called about the deposit</source>
            <translation>如：客户来电查询押金</translation>
        </message>
        <message id="counter.archive.open">
            <source>Open contract</source>
            <translation>查看合同</translation>
        </message>
        <message id="counter.archive.none_found">
            <source>No contract matches.</source>
            <translation>没有找到符合条件的合同。</translation>
        </message>
        <message id="counter.archive.none_selected">
            <source>Select a contract first.</source>
            <translation>请先选择一份合同。</translation>
        </message>
        <message id="counter.archive.details">
            <source>Contract {contract_no}: {name}, ID {number}, phone {phone}, signed {signed_at}. PDF of {size} bytes, SHA-256 {sha256}…</source>
            <translation>合同 {contract_no}：{name}，证件 {number}，电话 {phone}，签署于 {signed_at}。PDF {size} 字节，SHA-256 {sha256}…</translation>
        </message>
        <message id="counter.devices.title">
            <source>Devices and the HQ link</source>
            <translation>设备与总部连接</translation>
        </message>
        <message id="counter.devices.reader">
            <source>ID-card reader</source>
            <translation>身份证读卡器</translation>
        </message>
        <message id="counter.devices.camera">
            <source>Camera</source>
            <translation>摄像头</translation>
        </message>
        <message id="counter.devices.pad">
            <source>Signature pad</source>
            <translation>签名板</translation>
        </message>
        <message id="counter.devices.hq">
            <source>HQ link</source>
            <translation>总部连接</translation>
        </message>
        <message id="counter.devices.last_sync">
            <source>Last sync</source>
            <translation>上次同步</translation>
        </message>
        <message id="counter.devices.outbox">
            <source>{pending} waiting to be sent, {failed} rejected</source>
            <translation>待发送 {pending} 条，被拒 {failed} 条</translation>
        </message>
        <message id="counter.devices.probe">
            <source>Probe devices</source>
            <translation>检测设备</translation>
        </message>
        <message id="counter.devices.sync_now">
            <source>Sync now</source>
            <translation>立即同步</translation>
        </message>
        <message id="counter.devices.sync_asked">
            <source>A sync was requested; its result will show here.</source>
            <translation>已请求同步，结果将显示在此。</translation>
        </message>
        <message id="counter.devices.not_probed">
            <source>not checked yet</source>
            <translation>尚未检测</translation>
        </message>
        <message id="counter.devices.reader_ok">
            <source>SAM healthy</source>
            <translation>安全模块正常</translation>
        </message>
        <message id="counter.devices.reader_sam_fault">
            <source>SAM fault</source>
            <translation>安全模块故障</translation>
        </message>
        <message id="counter.devices.reader_failed">
            <source>reader not responding</source>
            <translation>读卡器无响应</translation>
        </message>
        <message id="counter.devices.reader_unprobed">
            <source>vendor library reader: cannot be probed, read a card to test it</source>
            <translation>厂商读卡器，无法检测，请读一张证件试试</translation>
        </message>
        <message id="counter.devices.card_present">
            <source>card present</source>
            <translation>有证件</translation>
        </message>
        <message id="counter.devices.card_absent">
            <source>no card</source>
            <translation>无证件</translation>
        </message>
        <message id="counter.devices.camera_ok">
            <source>frames arriving, {frames} so far</source>
            <translation>画面正常，已收到 {frames} 帧</translation>
        </message>
        <message id="counter.devices.camera_failed">
            <source>no frames ({frames} so far)</source>
            <translation>无画面（已收到 {frames} 帧）</translation>
        </message>
        <message id="counter.devices.camera_unknown">
            <source>not started</source>
            <translation>未启动</translation>
        </message>
        <message id="counter.devices.pad_canvas">
            <source>on-screen signing (no external pad configured)</source>
            <translation>屏幕签名（未配置外接签名板）</translation>
        </message>
        <message id="counter.devices.hq_none">
            <source>no HQ configured (offline branch)</source>
            <translation>未配置总部（离线门店）</translation>
        </message>
        <message id="counter.devices.hq_link">
            <source>{url}</source>
            <translation>{url}</translation>
        </message>
        <message id="counter.devices.hq_status.ok">
            <source>last sync succeeded</source>
            <translation>上次同步成功</translation>
        </message>
        <message id="counter.devices.hq_status.offline">
            <source>offline</source>
            <translation>离线</translation>
        </message>
        <message id="counter.devices.hq_status.error">
            <source>sync error</source>
            <translation>同步出错</translation>
        </message>
        <message id="counter.devices.hq_status.busy">
            <source>syncing</source>
            <translation>正在同步</translation>
        </message>
        <message id="counter.devices.hq_status.idle">
            <source>not synced yet</source>
            <translation>尚未同步</translation>
        </message>
        <message id="counter.devices.hq_status.unknown">
            <source>state unknown</source>
            <translation>状态未知</translation>
        </message>
        <message id="counter.devices.never_synced">
            <source>no successful sync yet</source>
            <translation>尚未成功同步</translation>
        </message>
        <message id="counter.devices.last_sync_at">
            <source>{time}</source>
            <translation>{time}</translation>
        </message>
        <message id="counter.training.customer.match">
            <source>The card holder: face matches</source>
            <translation>本人，人证一致</translation>
        </message>
        <message id="counter.training.customer.mismatch">
            <source>Someone else's card: face does not match</source>
            <translation>冒用他人证件，人证不一致</translation>
        </message>
        <message id="counter.training.customer.expiring">
            <source>ID card about to expire</source>
            <translation>证件即将到期</translation>
        </message>
        <message id="counter.training.customer.photo">
            <source>A photo held up to the camera (liveness)</source>
            <translation>对着摄像头举照片（活体检测）</translation>
        </message>
        <message id="counter.training.customer.blacklisted">
            <source>A blacklisted customer (refused by the risk check)</source>
            <translation>黑名单客户（风控拒绝）</translation>
        </message>
        <message id="counter.training.blacklist_reason">
            <source>training demo: a car returned long overdue</source>
            <translation>培训演示：逾期未还车</translation>
        </message>
        <message id="counter.archive.pdf_view">
            <source>Contract PDF</source>
            <translation>合同 PDF</translation>
        </message>
        <message id="counter.archive.pdf_unreadable">
            <source>The contract PDF cannot be shown; the file may be damaged. Please contact branch IT.</source>
            <translation>合同 PDF 无法显示，文件可能已损坏。请联系门店 IT。</translation>
        </message>
        <message id="counter.figure.none">
            <source>none</source>
            <translation>无</translation>
        </message>
        <message id="counter.figure.yes">
            <source>yes</source>
            <translation>是</translation>
        </message>
        <message id="counter.figure.no">
            <source>no</source>
            <translation>否</translation>
        </message>
        <message id="counter.figure.long_term">
            <source>long-term</source>
            <translation>长期</translation>
        </message>
        <message id="counter.figure.document_number">
            <source>{document_type}, number {number}</source>
            <translation>{document_type}，号码 {number}</translation>
        </message>
        <message id="counter.figure.document_warnings">
            <source>{count} note(s)</source>
            <translation>提示 {count} 条</translation>
        </message>
        <message id="counter.figure.document_validity">
            <source>valid to {valid_to}; return {return_date}, must be valid until {needed_until} ({margin_months} month(s) after return)</source>
            <translation>有效期至 {valid_to}；还车 {return_date}，须有效至 {needed_until}（还车后 {margin_months} 个月）</translation>
        </message>
        <message id="counter.figure.customer_age">
            <source>age {age}, minimum {minimum_age}</source>
            <translation>{age} 周岁，最低 {minimum_age} 周岁</translation>
        </message>
        <message id="counter.figure.licence_class">
            <source>licence class {licence_class}, the vehicle needs {vehicle_class}</source>
            <translation>准驾车型 {licence_class}，本车需 {vehicle_class}</translation>
        </message>
        <message id="counter.figure.licence_class_only">
            <source>licence class {licence_class}</source>
            <translation>准驾车型 {licence_class}</translation>
        </message>
        <message id="counter.figure.licence_validity">
            <source>valid {valid_from} to {valid_to}; return {return_date}</source>
            <translation>有效期 {valid_from} 至 {valid_to}；还车 {return_date}</translation>
        </message>
        <message id="counter.figure.licence_probation">
            <source>first issued {first_issue_date}; in probation: {in_probation}; branch policy: {policy}</source>
            <translation>初次领证 {first_issue_date}；实习期内：{in_probation}；门店规则：{policy}</translation>
        </message>
        <message id="counter.figure.policy.allow">
            <source>rent with a note</source>
            <translation>提示后办理</translation>
        </message>
        <message id="counter.figure.policy.review">
            <source>staff confirm</source>
            <translation>工作人员确认</translation>
        </message>
        <message id="counter.figure.policy.refuse">
            <source>do not rent</source>
            <translation>不予出租</translation>
        </message>
        <message id="counter.figure.face_duplicate_none">
            <source>{templates} face templates compared, none within the threshold {threshold}</source>
            <translation>已比对 {templates} 个人脸模板，均未小于阈值 {threshold}</translation>
        </message>
        <message id="counter.figure.liveness_attempt">
            <source>attempt {attempt} of {max_attempts}</source>
            <translation>第 {attempt} 次，共 {max_attempts} 次</translation>
        </message>
        <message id="counter.figure.liveness_challenge">
            <source>challenge: {challenge}</source>
            <translation>动作：{challenge}</translation>
        </message>
        <message id="counter.figure.liveness_not_judged">
            <source>frames could not be judged</source>
            <translation>画面无法判断</translation>
        </message>
        <message id="counter.figure.challenge.blink">
            <source>blink</source>
            <translation>眨眼</translation>
        </message>
        <message id="counter.figure.challenge.turn_left">
            <source>turn left</source>
            <translation>向左转头</translation>
        </message>
        <message id="counter.figure.challenge.turn_right">
            <source>turn right</source>
            <translation>向右转头</translation>
        </message>
        <message id="counter.figure.cue.liveness_challenge">
            <source>challenge done</source>
            <translation>动作完成</translation>
        </message>
        <message id="counter.figure.cue.liveness_blink">
            <source>blink</source>
            <translation>眨眼</translation>
        </message>
        <message id="counter.figure.cue.liveness_planar_motion">
            <source>depth in motion</source>
            <translation>立体感</translation>
        </message>
        <message id="counter.figure.cue.liveness_texture">
            <source>screen texture</source>
            <translation>屏幕纹理</translation>
        </message>
        <message id="counter.figure.risk">
            <source>decision: {decision}; credit score {score} ({band}); conditions: {conditions}; rules: {rules}; rule version {config_version}</source>
            <translation>决定：{decision}；信用分 {score}（{band}）；条件：{conditions}；规则：{rules}；规则版本 {config_version}</translation>
        </message>
        <message id="counter.figure.no_score">
            <source>none (no rental history)</source>
            <translation>无（无租车记录）</translation>
        </message>
        <message id="counter.figure.decision.approve">
            <source>approve</source>
            <translation>通过</translation>
        </message>
        <message id="counter.figure.decision.approve_with_conditions">
            <source>approve with conditions</source>
            <translation>附条件通过</translation>
        </message>
        <message id="counter.figure.decision.clerk_review">
            <source>clerk review</source>
            <translation>人工审核</translation>
        </message>
        <message id="counter.figure.decision.refuse">
            <source>refuse</source>
            <translation>拒绝</translation>
        </message>
        <message id="counter.figure.condition.higher_deposit">
            <source>higher deposit</source>
            <translation>提高押金</translation>
        </message>
        <message id="counter.figure.condition.deposit_waived">
            <source>deposit waived</source>
            <translation>免押金</translation>
        </message>
        <message id="counter.figure.condition.supervisor_approval">
            <source>supervisor approval</source>
            <translation>主管批准</translation>
        </message>
        <message id="counter.figure.band.preferred">
            <source>preferred band</source>
            <translation>优选档</translation>
        </message>
        <message id="counter.figure.band.standard">
            <source>standard band</source>
            <translation>标准档</translation>
        </message>
        <message id="counter.figure.band.higher_deposit">
            <source>higher-deposit band</source>
            <translation>高押金档</translation>
        </message>
        <message id="counter.figure.band.review">
            <source>review band</source>
            <translation>审核档</translation>
        </message>
        <message id="counter.figure.band.refused">
            <source>refused band</source>
            <translation>拒绝档</translation>
        </message>
        <message id="counter.figure.rule.blacklist">
            <source>blacklist</source>
            <translation>黑名单</translation>
        </message>
        <message id="counter.figure.rule.duplicate_face">
            <source>same face, several identities</source>
            <translation>同一人脸多个身份</translation>
        </message>
        <message id="counter.figure.rule.several_branches">
            <source>several branches in a short time</source>
            <translation>短时间内多门店办理</translation>
        </message>
        <message id="counter.figure.rule.document_expires_during_rental">
            <source>document expires during the rental</source>
            <translation>证件在租期内到期</translation>
        </message>
        <message id="counter.figure.rule.licence_expires_during_rental">
            <source>licence expires during the rental</source>
            <translation>驾驶证在租期内到期</translation>
        </message>
        <message id="counter.figure.rule.probation_restricted_vehicle">
            <source>vehicle restricted in probation</source>
            <translation>实习期限租车型</translation>
        </message>
        <message id="counter.figure.rule.first_high_value_rental">
            <source>first high-value rental</source>
            <translation>首次租用高价值车辆</translation>
        </message>
        <message id="counter.figure.rule.shared_phone">
            <source>phone shared by several people</source>
            <translation>手机号被多人使用</translation>
        </message>
        <message id="counter.figure.rule.national_id_rejected">
            <source>national ID check rejected</source>
            <translation>公民身份核查未通过</translation>
        </message>
        <message id="counter.figure.national_id.match">
            <source>name and number match</source>
            <translation>姓名与号码一致</translation>
        </message>
        <message id="counter.figure.national_id.mismatch">
            <source>name or photo does not match the number</source>
            <translation>姓名或照片与号码不一致</translation>
        </message>
        <message id="counter.figure.national_id.not_found">
            <source>number not found</source>
            <translation>查无此号码</translation>
        </message>
        <message id="counter.figure.national_id.unavailable">
            <source>the service did not respond</source>
            <translation>核查服务无响应</translation>
        </message>
        <message id="counter.figure.national_id.offline">
            <source>no link to HQ</source>
            <translation>未连接总部</translation>
        </message>
        <message id="counter.figure.national_id.photo_checked">
            <source>photo compared</source>
            <translation>已比对照片</translation>
        </message>
        <message id="counter.figure.national_id.approved_offline">
            <source>approved offline; HQ checks it again</source>
            <translation>离线批准，待总部复核</translation>
        </message>
        <message id="counter.figure.national_id.not_applicable">
            <source>not checked for this document type</source>
            <translation>此类证件不做核查</translation>
        </message>
        <message id="counter.figure.contract_ok">
            <source>every field matches</source>
            <translation>各字段一致</translation>
        </message>
        <message id="counter.figure.contract_problem">
            <source>{field}: expected {expected}, found {found}</source>
            <translation>{field}：应为 {expected}，实为 {found}</translation>
        </message>
        <message id="counter.figure.declined">
            <source>declined by the customer</source>
            <translation>客户未同意</translation>
        </message>
        <message id="counter.figure.overridden">
            <source>overridden: was {outcome}, approved by supervisor {supervisor}</source>
            <translation>已越权放行：原结果 {outcome}，批准主管 {supervisor}</translation>
        </message>
        <message id="counter.stage.welcome">
            <source>Welcome</source>
            <translation>欢迎</translation>
        </message>
        <message id="counter.stage.refused">
            <source>Refused</source>
            <translation>已拒绝</translation>
        </message>
        <message id="counter.stage.clerk_review">
            <source>Clerk review</source>
            <translation>待人工审核</translation>
        </message>
        <message id="counter.stage.cancelled">
            <source>Cancelled</source>
            <translation>已取消</translation>
        </message>
        <message id="counter.devices.outbox_label">
            <source>Outbox</source>
            <translation>待发送数据</translation>
        </message>
        <message id="counter.sign_out_confirm">
            <source>A customer's session is open. Sign out again to end it.</source>
            <translation>有客户正在办理。再次退出登录将结束本次办理。</translation>
        </message>
        <message id="screen.more_below">
            <source>↓ There is more below. Scroll down to see it.</source>
            <translation>↓ 下方还有内容，请向下滑动查看。</translation>
        </message>
    </context>
</TS>
