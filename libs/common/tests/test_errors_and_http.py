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
