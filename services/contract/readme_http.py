"""The guide's section on sending events over HTTP to the gateway, signed by the shop."""

from __future__ import annotations

from services.contract import wire
from services.gateway import standard_webhooks as sw
from services.gateway.auth import TOLERANCE_SECONDS
from services.gateway.signing import SHOP_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER
from services.gateway.state import MAX_REQUEST_BYTES

_HTTP_NODE = f"""\
```js
// Node.js 18 or later (CommonJS): fetch and crypto are built in.
const crypto = require("node:crypto");

async function send(events) {{
  const body = JSON.stringify(events); // one envelope, or an array of them
  const timestamp = Math.floor(Date.now() / 1000).toString();
  const digest = crypto
    .createHmac("sha256", process.env.SHOP_SECRET) // this shop's secret
    .update(`${{timestamp}}.${{body}}`, "utf8")
    .digest("hex");
  const response = await fetch("http://127.0.0.1:8080/v1/events", {{
    method: "POST",
    headers: {{
      "Content-Type": "application/json",
      "{SHOP_HEADER}": "shop-42",
      "{TIMESTAMP_HEADER}": timestamp,
      "{SIGNATURE_HEADER}": `sha256=${{digest}}`,
    }},
    body,
  }});
  if (response.status !== 202) {{
    throw new Error(`${{response.status}}: ${{await response.text()}}`);
  }}
  return response.json();
}}

async function main() {{
  const event = require("./schemas/examples/order.placed.json");
  console.log(await send([event]));
}}

main().catch((error) => {{
  console.error(error);
  process.exitCode = 1;
}});
```"""


def http_section() -> list[str]:
    limit_mib = MAX_REQUEST_BYTES // 1024 // 1024
    return [
        "## Over HTTP",
        "",
        "The gateway (`aftersale up`, or `aftersale gateway` alone) takes the same events "
        "at `POST /v1/events` on the address `AFTERSALE_HTTP_ADDR` (default "
        "`127.0.0.1:8080`; behind a proxy, `AFTERSALE_PUBLIC_URL`). It checks each event "
        "as the ingest does and publishes it to the exchange with publisher confirms before "
        "it answers; its OpenAPI 3.1 document is `GET /openapi.json`.",
        "",
        f"- **Body**: one envelope or a JSON array of them, `Content-Type: "
        f"{wire.CONTENT_TYPE}`, at most {limit_mib} MiB in all and {wire.BODY_LIMIT_TEXT} "
        "per event (or CloudEvents, see below). A batch is all or nothing at validation: "
        "one invalid event refuses the whole request and nothing is published.",
        f"- **Shop**: `{SHOP_HEADER}` names your shop, as in the file "
        '`AFTERSALE_SHOP_SECRETS` (`shop-42 = "…"`) that holds its secret; every event\'s '
        "`shop_id` must be that shop.",
        f"- **Signature**: `{TIMESTAMP_HEADER}` is the current Unix time in seconds (digits "
        f"only), within ±{TOLERANCE_SECONDS} s of the gateway's clock; `{SIGNATURE_HEADER}` is "
        "`sha256=` followed by the lowercase hex HMAC-SHA256, keyed with the shop's secret "
        "(its UTF-8 bytes as written, a `whsec_` one too), of the timestamp, a `.`, and the "
        "body's exact bytes: "
        '`HMAC(secret, "1795432500." + body)`. Sign the bytes you send; re-serialising the '
        "JSON after signing breaks the signature.",
        f"- **Or Standard Webhooks** (https://www.standardwebhooks.com/): without "
        f"`{SIGNATURE_HEADER}`, send `{sw.ID_HEADER}` (a unique message id), "
        f"`{sw.TIMESTAMP_HEADER}` (Unix seconds, ±{TOLERANCE_SECONDS} s) and "
        f"`{sw.SIGNATURE_HEADER}: v1,<base64>`, the standard base64 of the HMAC-SHA256 of "
        f"`{{{sw.ID_HEADER}}}.{{{sw.TIMESTAMP_HEADER}}}.` followed by the body, keyed with the "
        "shop's secret: a secret written `whsec_<base64>` is the decoded bytes, any other "
        "its UTF-8 bytes. Several signatures, separated by spaces, may be sent during a key "
        f"rotation. `{SHOP_HEADER}` is still required.",
        "- **Replays**: a signed request is accepted once (the signature, or the "
        f"`{sw.ID_HEADER}`, is remembered for the timestamp window). To retry, sign again "
        f"with a new timestamp (and a new `{sw.ID_HEADER}`); re-sending the same events is "
        "safe, each `event_id` is recorded once.",
        "",
        "| answer | meaning |",
        "| --- | --- |",
        '| `202` | every event was confirmed by the broker: `{"accepted": n, "results": '
        '[{"index", "event_id", "status": "accepted"}]}` |',
        "| `400` | not JSON (`not_json`), neither an event nor an array of them (`not_events`), "
        "an empty array (`empty`), or events failing the contract (`invalid`): `errors` lists "
        'each problem as `{"index", "path", "message"}`, e.g. path '
        "`data.items[0].quantity`; nothing was published |",
        "| `401` | unknown shop, a missing, malformed or wrong signature, a timestamp outside "
        "the window, or a replayed request; `error` says which (`bad_signature`, "
        "`stale_timestamp`, `replayed`, …) |",
        "| `403` | `wrong_shop`: an event's `shop_id` is not the signing shop; nothing was "
        "published |",
        f"| `413` | the body is over {limit_mib} MiB |",
        "| `503` | the broker did not take every event (`results` says which), or the store "
        "is unreachable: retry later (`Retry-After`); the repeats are harmless |",
        "",
        _HTTP_NODE,
        "",
    ]
