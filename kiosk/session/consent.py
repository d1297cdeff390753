"""The separate consent a customer gives before identity and face data are processed."""

from kiosk.messages import Message

CONSENT_VERSION = "consent-2026-12-b"

CONSENT_TEXT = Message(
    "为核验您的身份并办理租车，本机将读取您的身份证信息（含照片），拍摄您的面部图像并与证件照片比对。"
    "身份证号码和人脸信息属于敏感个人信息：面部图像仅用于本次比对，比对后即删除；"
    "为防止他人冒用身份，本机加密保存由面部图像计算出的面部特征值（无法还原为照片），仅用于发现同一面孔以不同身份办理租车的情况；"
    "证件信息随租车合同依法加密保存。您可以拒绝，并到柜台由工作人员人工核验办理。",
    "To verify your identity for this rental, this kiosk reads your ID card (including its photo), "
    "takes a picture of your face and compares it with the card photo. ID numbers and face data are "
    "sensitive personal information: the face picture is used only for this comparison and deleted "
    "afterwards. To stop others renting under your name, the kiosk keeps, encrypted, a face template "
    "computed from the picture (it cannot be turned back into a photo), used only to find the same face "
    "rented under another identity. The card data is stored encrypted with your rental contract as the law requires. "
    "You may decline and have a member of staff verify you at the counter instead.",
)
