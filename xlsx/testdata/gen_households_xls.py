#!/usr/bin/python3
"""Writes households.xls, the BIFF8 fixture of the xlsx package tests.

Run with Debian's python3-xlwt (apt-get install python3-xlwt):
    /usr/bin/python3 gen_households_xls.py
The .xls is committed; this script documents how it was made.
"""
import datetime
import xlwt


def check_char(first17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


def id_number(birth, seq):
    s = "451224" + birth.strftime("%Y%m%d") + "%03d" % seq
    return s + check_char(s)


wb = xlwt.Workbook(encoding="utf-8")
ws = wb.add_sheet("贫困人口")
date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
money_style = xlwt.easyxf(num_format_str="0.00")

ws.write_merge(0, 0, 0, 14, "东兰县2016年建档立卡贫困人口（WPS导出）")
ws.write_merge(1, 2, 0, 0, "户编号")
ws.write_merge(1, 1, 1, 7, "户信息")
ws.write_merge(1, 1, 8, 13, "成员信息")
ws.write_merge(1, 2, 14, 14, "备注")
for i, h in enumerate(["年度", "行政区划代码", "户主姓名", "贫困户属性", "主要致贫原因",
                       "人均纯收入（元）", "脱贫状态", "姓名", "性别", "出生日期", "身份证号码",
                       "与户主关系", "文化程度"]):
    ws.write(2, 1 + i, h)

rows = [
    # number, year, area, head, attribute, cause, income, status, name, sex, birth, id, relation, education
    ("4512241000101", 2016, "451224104201", "韦金华", "一般贫困户", "因病", 3146.5, "未脱贫",
     "韦金华", "男", datetime.date(1975, 4, 5), id_number(datetime.date(1975, 4, 5), 11), "户主", "小学"),
    ("4512241000101", 2016, "451224104201", "韦金华", "一般贫困户", "因病", 3146.5, "未脱贫",
     "黄春英", "女", "1978.09.10", id_number(datetime.date(1978, 9, 10), 22), "配偶", "初中"),
    ("4512241000102", 2016, "451224104202", "覃建国", "低保贫困户", "缺劳力", 2800, "已脱贫(享受政策)",
     "覃建国", "男", datetime.date(1950, 12, 31), None, "户主", "文盲或半文盲"),
]
for r, vals in enumerate(rows, start=3):
    for c, v in enumerate(vals):
        if v is None:
            continue
        if c == 10 and isinstance(v, datetime.date):
            ws.write(r, c, v, date_style)
        elif c == 6:
            ws.write(r, c, v, money_style)
        else:
            ws.write(r, c, v)
# An ID number typed into a General cell: a float, the last digits lost.
ws.write(5, 11, 451224195012310011.0)
ws.write(5, 14, "身份证号被存成了数字")

# A second sheet of long strings, so that the shared string table runs
# over several CONTINUE records and strings are split across them.
notes = wb.add_sheet("备注")
for i in range(600):
    notes.write(i, 0, "备注第%d条：" % i + "扶贫开发建档立卡" * (i % 7 + 1))
    notes.write(i, 1, "note %d " % i + "x" * (i % 50))

wb.save("households.xls")
