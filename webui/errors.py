"""Every error as JSON under /api (and /healthz), as a Vietnamese page elsewhere.

Never a stack trace: unexpected exceptions are logged and answered with a plain 500.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search.errors import NoIndex
from search.results import BadRequest
from webui.params import InvalidParameter

# NoIndex.reason -> the JSON message, and the title and explanation of the 503 page (no
# paths or node addresses: those go to the server's log)
UNAVAILABLE_TEXTS = {
    "no index": (
        "no index has been built yet; the operator should run: vnsearch index",
        "Chưa có dữ liệu tìm kiếm",
        "Chỉ mục tìm kiếm chưa được xây dựng. Người quản trị cần chạy lệnh: vnsearch index",
    ),
    "other version": (
        "the index was built by another version of vnsearch; "
        "the operator should rebuild it with: vnsearch index",
        "Chỉ mục cần được xây dựng lại",
        "Chỉ mục được tạo bởi một phiên bản khác của vnsearch. "
        "Người quản trị cần xây dựng lại bằng lệnh: vnsearch index",
    ),
    "damaged": (
        "the index's files are damaged; the operator should run: vnsearch check, then vnsearch index",
        "Chỉ mục bị hỏng",
        "Các tệp của chỉ mục tìm kiếm bị hỏng hoặc thiếu. "
        "Người quản trị cần chạy lệnh: vnsearch check, rồi xây dựng lại bằng: vnsearch index",
    ),
    "unreachable": (
        "the search cluster cannot be reached or is misconfigured; the operator should check it "
        "(the server's log says more)",
        "Không kết nối được máy chủ tìm kiếm",
        "Cụm máy chủ tìm kiếm (Typesense) không trả lời hoặc cấu hình sai. "
        "Người quản trị cần kiểm tra cụm máy chủ và các biến VNSEARCH_TYPESENSE_*.",
    ),
}

PARAMETER_LABELS = {
    "q": "Từ khóa tìm kiếm",
    "district": "Địa phương",
    "year": "Năm",
    "page": "Số trang",
    "per_page": "Số kết quả mỗi trang",
    "sort": "Cách sắp xếp",
    "facet_size": "Số giá trị mỗi bộ lọc",
    "facet_q": "Từ tìm trong bộ lọc",
    "facet": "Bộ lọc",
}

# status -> (title, explanation) for the HTML error page
PAGE_TEXTS = {
    400: ("Yêu cầu không hợp lệ", "Địa chỉ tìm kiếm có tham số không hợp lệ."),
    404: ("Không tìm thấy trang", "Trang hoặc bài viết bạn tìm không tồn tại hoặc đã bị xoá."),
    405: ("Phương thức không được hỗ trợ", "Trang này chỉ hỗ trợ xem (GET)."),
    500: ("Đã có lỗi xảy ra", "Máy chủ gặp lỗi ngoài dự kiến. Vui lòng thử lại sau."),
}


def wants_json(path: str) -> bool:
    """JSON endpoints: everything under /api, and /healthz."""
    return path == "/api" or path.startswith("/api/") or path == "/healthz"


def error_response(
    status: int, message: str, detail_vi: str | None = None, reason: str | None = None
) -> tuple[Response | str, int]:
    """The error in the form the requested path speaks."""
    if wants_json(request.path):
        error = {"status": status, "message": message}
        if reason:
            error["reason"] = reason
        return jsonify({"error": error}), status
    title, explanation = PAGE_TEXTS.get(status, PAGE_TEXTS[500] if status >= 500 else PAGE_TEXTS[400])
    if reason in UNAVAILABLE_TEXTS:
        _message, title, explanation = UNAVAILABLE_TEXTS[reason]
    html = render_template(
        "error.html", status=status, title=title, explanation=detail_vi or explanation, detail=message
    )
    return html, status


def _http_message(error: HTTPException) -> str:
    if error.code == 404 and request.url_rule is None:  # no such route
        return f"not found: {request.path}"
    if error.code == 405:
        return f"method {request.method} is not allowed here; use GET"
    return error.description or error.name


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response | str, int]:
        status = error.code or 500
        body, code = error_response(status, _http_message(error))
        response = app.make_response((body, code))
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response, code

    @app.errorhandler(BadRequest)
    def bad_request(error: BadRequest) -> tuple[Response | str, int]:
        detail_vi = None
        if isinstance(error, InvalidParameter) and error.name in PARAMETER_LABELS:
            detail_vi = f"{PARAMETER_LABELS[error.name]} không hợp lệ."
        return error_response(400, str(error), detail_vi)

    @app.errorhandler(NoIndex)
    def no_index(error: NoIndex) -> tuple[Response | str, int]:
        app.logger.warning("cannot serve: %s", error)
        message = UNAVAILABLE_TEXTS.get(error.reason, UNAVAILABLE_TEXTS["no index"])[0]
        return error_response(503, message, reason=error.reason)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[Response | str, int]:
        if isinstance(error, HTTPException):  # pragma: no cover - handled above
            return http_error(error)
        app.logger.exception("unexpected error on %s", request.path)
        return error_response(500, "internal error; it has been logged")
