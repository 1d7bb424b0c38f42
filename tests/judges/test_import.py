"""Importing a list of judges from CSV or XLSX: all rows or none, errors per row in Vietnamese."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from contest.extensions import db
from contest.models import AuditEvent, Role, User, UserRole
from tests.factories import make_edition, make_user


@pytest.fixture
def organizer(app):
    make_edition()
    return make_user(Role.ORGANIZER)


def judges_count() -> int:
    return db.session.scalar(select(func.count()).select_from(UserRole).where(UserRole.role == "judge"))


def upload(client, name: str, data: bytes):
    return client.post("/quan-tri/giam-khao/nhap", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


GOOD_CSV = (
    "email,full_name,organization,expertise,max_load\n"
    "an.nguyen@tnu.edu.vn,TS. Nguyễn Văn An,Đại học Thái Nguyên,cntt;trí tuệ nhân tạo,10\n"
    "binh.tran@sokhcn.gov.vn,ThS. Trần Thị Bình,Sở KH&CN Thái Nguyên,Nông – lâm – ngư nghiệp; chè,\n"
)


def test_good_csv_invites_every_judge(client, auth, mailbox, organizer):
    auth.as_(organizer)
    response = upload(client, "giam-khao.csv", GOOD_CSV.encode("utf-8-sig"))
    assert response.status_code == 302
    an = db.session.scalar(select(User).where(User.email == "an.nguyen@tnu.edu.vn"))
    binh = db.session.scalar(select(User).where(User.email == "binh.tran@sokhcn.gov.vn"))
    assert an.full_name == "TS. Nguyễn Văn An" and an.has_role(Role.JUDGE)
    assert an.judge_profile.expertise_categories == ["cntt"]
    assert an.judge_profile.keywords == ["trí tuệ nhân tạo"]
    assert an.judge_profile.max_load == 10
    assert binh.judge_profile.max_load is None
    assert binh.judge_profile.keywords == ["Nông – lâm – ngư nghiệp", "chè"]  # not a field name: a keyword
    assert sorted(m.recipients[0] for m in mailbox) == ["an.nguyen@tnu.edu.vn", "binh.tran@sokhcn.gov.vn"]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "judge.imported")).after["count"] == 2


def test_bad_csv_rows_are_reported_and_nothing_is_imported(client, auth, mailbox, organizer):
    existing = make_user(Role.JUDGE, email="da.co@example.vn")
    auth.as_(organizer)
    data = (
        "email;full_name;max_load\n"
        "ok@example.vn;Người Tốt;5\n"
        "sai-email;Người Sai;3\n"
        ";Không Email;\n"
        "ok@example.vn;Trùng Lặp;x\n"
        f"{existing.email};Đã Là Giám Khảo;\n"
        "thieu.ten@example.vn;;-1\n"
    )
    before = judges_count()
    response = upload(client, "ds.csv", data.encode("utf-8"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Chưa có giám khảo nào được thêm" in body
    assert "Dòng 3" in body and "không hợp lệ" in body
    assert "Dòng 4" in body and "thiếu email" in body
    assert "Dòng 5" in body and "trùng với dòng 2" in body and "số nguyên không âm" in body
    assert "Dòng 6" in body and "đã là giám khảo" in body
    assert "Dòng 7" in body and "thiếu họ và tên" in body
    assert "Dòng 2:" not in body
    assert judges_count() == before
    assert db.session.scalar(select(User).where(User.email == "ok@example.vn")) is None
    assert mailbox == []


def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Giám khảo"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_good_xlsx_with_vietnamese_headers(client, auth, mailbox, organizer):
    auth.as_(organizer)
    data = xlsx([
        ["Email", "Họ và tên", "Đơn vị", "Lĩnh vực", "Số bài tối đa"],
        ["cuong@tnut.edu.vn", "GS. Phạm Văn Cường", "Trường ĐH Kỹ thuật Công nghiệp", "co_khi", 8],
        ["dung@tnmc.edu.vn", "TS. Hoàng Thị Dung", "Trường ĐH Y Dược", "y_duoc; dược liệu", None],
    ])
    response = upload(client, "danh-sach.xlsx", data)
    assert response.status_code == 302
    cuong = db.session.scalar(select(User).where(User.email == "cuong@tnut.edu.vn"))
    assert cuong.judge_profile.max_load == 8
    assert cuong.judge_profile.organization == "Trường ĐH Kỹ thuật Công nghiệp"
    assert cuong.judge_profile.expertise_categories == ["co_khi"]
    dung = db.session.scalar(select(User).where(User.email == "dung@tnmc.edu.vn"))
    assert dung.judge_profile.expertise_categories == ["y_duoc"]
    assert dung.judge_profile.keywords == ["dược liệu"]
    assert len(mailbox) == 2


def test_bad_xlsx_rows_import_nothing(client, auth, mailbox, organizer):
    auth.as_(organizer)
    data = xlsx([
        ["email", "full_name", "max_load"],
        ["tot@example.vn", "Người Tốt", 4],
        ["xau@", "Người Xấu", 2.5],
    ])
    before = judges_count()
    response = upload(client, "ds.xlsx", data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Dòng 3" in body and "2.5" in body
    assert judges_count() == before and mailbox == []


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("ds.pdf", b"%PDF-1.4", "Chỉ nhận tệp .csv hoặc .xlsx"),
        ("ds.xlsx", b"PK\x03\x04 hong", "Không đọc được tệp Excel"),
        ("ds.csv", "email,full_name\nx@y.vn,Trần Đức\n".encode("cp1252", errors="ignore") + b"\xd0\xe9", "UTF-8"),
        ("ds.csv", b"ten,don_vi\nA,B\n", "Thiếu cột bắt buộc"),
        ("ds.csv", b"email,full_name\n", "không có dòng"),
    ],
)
def test_unreadable_files_are_refused_clearly(client, auth, organizer, name, data, message):
    auth.as_(organizer)
    response = upload(client, name, data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
