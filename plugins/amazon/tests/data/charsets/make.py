#!/usr/bin/env python3
"""Writes one relayed buyer message per charset, encoded by Python's `email` package and
codecs (not by the connector's code): the subject as RFC 2047 encoded words and the body
in the charset, with the transfer encoding Python picks for it. The connector's test
(`mime::tests::every_buyer_charset_is_decoded`) reads each file and expects the text below.

Run it from this folder: python3 make.py
"""
from email.header import Header
from email.mime.text import MIMEText

CASES = [
    ("iso-2022-jp", "お問い合わせありがとうございます。荷物が届きません。"),
    ("shift_jis", "商品が破損していました。返金をお願いします。"),
    ("euc-jp", "注文番号を確認してください。"),
    ("gbk", "我的包裹还没有到。"),
    ("gb18030", "退款请求：商品损坏 €"),
    ("big5", "我的包裹還沒有到。"),
    ("euc-kr", "주문한 상품이 아직 도착하지 않았습니다."),
    ("windows-1250", "Zamówienie nie dotarło, proszę o zwrot."),
    ("windows-1251", "Посылка не пришла, прошу вернуть деньги."),
    ("windows-1252", "Le colis est arrivé endommagé — remboursement « svp »."),
    ("windows-1253", "Το δέμα δεν έφτασε."),
    ("windows-1254", "Sipariş ulaşmadı, iade istiyorum."),
    ("windows-1255", "החבילה לא הגיעה."),
    ("windows-1256", "لم يصل الطرد."),
    ("windows-1257", "Siunta neatkeliavo, prašau grąžinti."),
    ("windows-1258", "Cám ơn."),
]

for charset, text in CASES:
    message = MIMEText(text, "plain", charset)
    message["From"] = "Buyer - Amazon Marketplace <7x9k2mqz8h4t3wp@marketplace.amazon.co.jp>"
    message["Subject"] = Header(text, charset)
    with open(f"{charset}.eml", "wb") as f:
        f.write(message.as_bytes())
