#!/usr/bin/env python3
"""Receives one webhook delivery on 127.0.0.1:<port>, checks its Standard Webhooks signature, prints what came and exits:
0 when a delivery with a valid signature arrived, 1 when the signature was wrong, 2 when nothing came within the timeout.
    python3 ops/webhook-receiver.py <port> <whsec_… secret> [timeout seconds, default 60]
The README's tour uses it; verify() is the check the README shows for your own receivers."""
import base64, hashlib, hmac, http.server, json, sys, time


def verify(secret, headers, body: bytes) -> bool:
    msg_id, ts = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(time.time() - int(ts)) > 300: return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(s.split(",", 1)[1], expected)
               for s in headers["webhook-signature"].split() if s.startswith("v1,"))


class Receiver(http.server.BaseHTTPRequestHandler):
    verified = None

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        Receiver.verified = verify(sys.argv[2], self.headers, body)
        self.send_response(204 if Receiver.verified else 401)
        self.end_headers()
        event = json.loads(body)
        print(f"webhook {self.headers['webhook-id']}: {event['type']} on {event['data'].get('streamId')}, "
              f"signature {'ok' if Receiver.verified else 'WRONG'}", flush=True)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver)
server.timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 60
server.handle_request()
sys.exit(2 if Receiver.verified is None else 0 if Receiver.verified else 1)
