import json

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from pydantic import BaseModel, PositiveInt

from pizza_common.errors import Conflict, InvalidInput, NotFound
from pizza_common.http import install_error_handlers


class Usage(BaseModel):
    typeId: str
    quantity: PositiveInt


def _app() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver()
    install_error_handlers(app)

    @app.post("/usage")
    def use() -> dict:
        Usage.model_validate(app.current_event.json_body)
        return {"ok": True}

    @app.get("/stock/<type_id>")
    def level(type_id: str) -> dict:
        raise NotFound(f"no ingredient {type_id!r}")

    @app.get("/short")
    def short() -> dict:
        raise Conflict("not enough stock", details=[{"typeId": "ham", "requested": 3, "available": 1}])

    return app


def _request(method: str, path: str, body: str | None = None) -> dict:
    event = {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {"http": {"method": method, "path": path, "sourceIp": "127.0.0.1"}, "stage": "$default"},
        "body": body,
        "isBase64Encoded": False,
    }
    return _app().resolve(event, None)


def test_a_wrong_field_is_a_400_that_names_the_field():
    answer = _request("POST", "/usage", json.dumps({"typeId": "ham", "quantity": -2}))

    assert answer["statusCode"] == 400
    body = json.loads(answer["body"])
    assert body["error"] == "InvalidInput"
    assert body["details"][0]["field"] == "quantity"
    assert "quantity" in body["message"]


def test_broken_json_is_a_400_that_says_so():
    answer = _request("POST", "/usage", '{"typeId": ')

    assert answer["statusCode"] == 400
    assert "not valid JSON" in json.loads(answer["body"])["message"]


def test_a_missing_thing_is_a_404_with_its_message():
    answer = _request("GET", "/stock/truffle")

    assert answer["statusCode"] == 404
    assert json.loads(answer["body"]) == {"error": "NotFound", "message": "no ingredient 'truffle'"}


def test_a_conflict_carries_its_details():
    answer = _request("GET", "/short")

    assert answer["statusCode"] == 409
    assert json.loads(answer["body"])["details"] == [{"typeId": "ham", "requested": 3, "available": 1}]


def test_invalid_input_without_details_has_no_details_key():
    assert InvalidInput("bad").to_body() == {"error": "InvalidInput", "message": "bad"}


def _post(body: str | None, base64_encoded: bool = False, path: str = "/body") -> dict:
    from pizza_common.http import json_body

    app = APIGatewayHttpResolver()
    install_error_handlers(app)

    @app.post("/body")
    def echo() -> dict:
        return {"got": json_body(app)}

    @app.get("/boom")
    def boom() -> dict:
        raise RuntimeError("internal detail that must not leak")

    event = {
        "version": "2.0",
        "routeKey": f"POST {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "http": {"method": "POST" if path == "/body" else "GET", "path": path, "sourceIp": "127.0.0.1"},
            "stage": "$default",
        },
        "body": body,
        "isBase64Encoded": base64_encoded,
    }
    answer = app.resolve(event, None)
    return {"status": answer["statusCode"], "body": json.loads(answer["body"])}


def test_a_body_nested_10000_deep_is_a_400_in_the_error_shape():
    answer = _post("[" * 10_000 + "]" * 10_000)
    assert answer["status"] == 400
    assert answer["body"]["error"] == "InvalidInput"
    assert answer["body"]["message"] == "the body nests 10000 levels deep; at most 32 are accepted"


def test_a_body_nested_to_the_limit_is_read_and_brackets_inside_strings_do_not_count():
    import json as _json

    deep = "[" * 32 + '"[[[[{{{{"' + "]" * 32
    assert _post(deep)["body"] == {"got": _json.loads(deep)}
    assert _post("[" * 33 + "]" * 33)["status"] == 400


def test_a_base64_body_that_is_not_utf8_or_not_base64_is_a_400_that_says_so():
    import base64

    not_text = _post(base64.b64encode(b'{"a": "\xff"}').decode(), base64_encoded=True)
    assert (not_text["status"], not_text["body"]["error"]) == (400, "InvalidInput")
    assert not_text["body"]["message"].startswith("the body is not UTF-8 text")
    assert _post("%%%", base64_encoded=True)["body"]["message"] == "the body is marked base64 but is not valid base64"
    assert _post(base64.b64encode(b'{"a": 1}').decode(), base64_encoded=True)["body"] == {"got": {"a": 1}}


def test_an_empty_body_is_a_400():
    assert _post(None)["body"]["message"] == "the body is empty; a JSON object is expected"


def test_an_unexpected_error_is_a_500_in_the_same_shape_without_its_text():
    answer = _post(None, path="/boom")
    assert answer["status"] == 500
    assert answer["body"]["error"] == "InternalError"
    assert set(answer["body"]) == {"error", "message", "details"}
    assert "internal detail" not in json.dumps(answer["body"])


def test_a_route_that_does_not_exist_is_a_404_in_the_same_shape():
    answer = _post("{}", path="/nowhere")
    assert (answer["status"], answer["body"]["error"]) == (404, "NotFound")


def test_a_number_of_5000_digits_is_a_400_not_a_500():
    answer = _post('{"quantity": ' + "1" * 5000 + "}")
    assert (answer["status"], answer["body"]["error"]) == (400, "InvalidInput")
    assert answer["body"]["message"] == "the body holds a number of more than 4,300 digits"
    assert _post('{"quantity": ' + "1" * 4300 + "}")["body"] == {"got": {"quantity": int("1" * 4300)}}


def test_nan_and_infinity_are_400s_since_json_has_no_such_numbers():
    for constant in ("NaN", "Infinity", "-Infinity"):
        answer = _post('{"quantity": ' + constant + "}")
        assert (answer["status"], answer["body"]["message"]) == (
            400,
            f"the body holds {constant}, which is not a JSON number",
        )


def test_a_name_given_twice_in_one_object_is_a_400_naming_it():
    answer = _post('{"item": {"quantity": 1, "quantity": -5}}')
    assert (answer["status"], answer["body"]["message"]) == (
        400,
        "the body holds the name 'quantity' twice in one object",
    )
    assert _post('[{"quantity": 1}, {"quantity": 2}]')["body"] == {"got": [{"quantity": 1}, {"quantity": 2}]}
