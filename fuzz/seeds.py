#!/usr/bin/env python3
"""Writes the seed corpus (fuzz/corpus/<target>/<name>) deterministically.

Run from anywhere: python3 fuzz/seeds.py. The files are committed; this script documents how
each was made and remakes them after a change of an input layout (see fuzz/src/*.rs).
"""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
MASK = b"\x01\x02\x03\x04"


def frame(b0, payload=b"", mask=None, length=None, encoding=None):
    """One frame; `encoding` forces 7/16/64-bit length, `length` a lying length field."""
    n = len(payload) if length is None else length
    m = 0x80 if mask else 0
    if encoding is None:
        encoding = 7 if n < 126 else 16 if n <= 0xFFFF else 64
    if encoding == 7:
        out = bytes([b0, m | n])
    elif encoding == 16:
        out = bytes([b0, m | 126]) + struct.pack(">H", n)
    else:
        out = bytes([b0, m | 127]) + struct.pack(">Q", n)
    if mask:
        out += mask
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return out + payload


def deflate(data, wbits=15):
    c = zlib.compressobj(6, zlib.DEFLATED, -wbits)
    out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(b"\x00\x00\xff\xff")
    return out[:-4]


def close_payload(code, reason=b""):
    return struct.pack(">H", code) + reason


def write(target, files):
    """Rewrites the seeds of `target`; inputs saved from crashes (regression-*) stay."""
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(d):
        if not name.startswith("regression-"):
            os.remove(os.path.join(d, name))
    for name, data in files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


# frame_decoder: flags (bit 0 server role, bits 1-2 limit 64K/4K/200/0, bit 3 sends, bit 4
# EOF), seed, wire bytes.
CLIENT, SERVER = 0x00, 0x01
LIMIT_200 = 0x04
SENDS, EOF = 0x08, 0x10
hello = frame(0x81, b"Hello")
decoder = {
    "text-hello": bytes([CLIENT, 1]) + hello,
    "binary-empty": bytes([CLIENT, 2]) + frame(0x82),
    "binary-len16": bytes([CLIENT, 3]) + frame(0x82, bytes(range(200))),
    "binary-len64": bytes([CLIENT, 4]) + frame(0x82, b"\x00\xff" * 150, encoding=64),
    "binary-len16-nonminimal": bytes([CLIENT, 5]) + frame(0x82, b"abc", encoding=16),
    "fragmented-text": bytes([CLIENT, 6]) + frame(0x01, b"Hel") + frame(0x00, b"l") + frame(0x80, b"o"),
    "fragmented-with-ping": bytes([CLIENT, 7])
    + frame(0x02, b"ab")
    + frame(0x89, b"ping")
    + frame(0x80, b"cd"),
    "utf8-split-across-fragments": bytes([CLIENT, 8]) + frame(0x01, "€".encode()[:1]) + frame(0x80, "€".encode()[1:] + "é".encode()),
    "ping-pong": bytes([CLIENT, 9]) + frame(0x89, b"are you there") + frame(0x8A, b"yes") + frame(0x89),
    "close-1000-reason": bytes([CLIENT, 10]) + frame(0x88, close_payload(1000, b"bye")),
    "close-empty": bytes([CLIENT, 11]) + frame(0x88),
    "close-then-data": bytes([CLIENT, 12]) + frame(0x88, close_payload(4000)) + hello,
    "close-1005-invalid": bytes([CLIENT, 13]) + frame(0x88, close_payload(1005)),
    "close-one-byte": bytes([CLIENT, 14]) + frame(0x88, b"\x03"),
    "close-bad-utf8": bytes([CLIENT, 15]) + frame(0x88, close_payload(1000, b"\xc3")),
    "text-bad-utf8": bytes([CLIENT, 16]) + frame(0x81, b"ok\xff"),
    "reserved-opcode": bytes([CLIENT, 17]) + frame(0x83, b"x"),
    "rsv2-set": bytes([CLIENT, 18]) + frame(0xA1, b"x"),
    "rsv1-without-deflate": bytes([CLIENT, 19]) + frame(0xC1, b"x"),
    "masked-to-client": bytes([CLIENT, 20]) + frame(0x81, b"Hello", MASK),
    "control-too-long": bytes([CLIENT, 21]) + frame(0x89, b"p" * 126),
    "fragmented-control": bytes([CLIENT, 22]) + frame(0x09, b"p"),
    "length-top-bit": bytes([CLIENT, 23]) + bytes([0x82, 0x7F, 0x80]) + bytes(7),
    "huge-length-header": bytes([CLIENT, 24]) + bytes([0x82, 0x7F, 0x7F]) + b"\xff" * 7 + b"data",
    "too-big-for-limit": bytes([CLIENT | LIMIT_200, 25]) + frame(0x82, b"z" * 300),
    "fragments-too-big": bytes([CLIENT | LIMIT_200, 26]) + frame(0x02, b"z" * 150) + frame(0x80, b"z" * 100),
    "continuation-of-nothing": bytes([CLIENT, 27]) + frame(0x80, b"x"),
    "text-inside-fragmented": bytes([CLIENT, 28]) + frame(0x01, b"a") + frame(0x81, b"b"),
    "truncated-frame": bytes([CLIENT, 29]) + frame(0x82, b"0123456789" * 20)[:-50],
    "many-frames": bytes([CLIENT | SENDS, 30])
    + hello
    + frame(0x89, b"1")
    + frame(0x01, b"fr")
    + frame(0x80, b"ag")
    + frame(0x82, bytes(130))
    + frame(0x8A)
    + frame(0x88, close_payload(1001, b"going")),
    "server-masked-text": bytes([SERVER, 31]) + frame(0x81, b"Hello", MASK),
    "server-masked-fragments": bytes([SERVER, 32])
    + frame(0x01, b"Hel", MASK)
    + frame(0x89, b"hi", MASK)
    + frame(0x80, b"lo", b"\xaa\xbb\xcc\xdd"),
    "server-unmasked": bytes([SERVER, 33]) + hello,
    "server-close": bytes([SERVER | EOF, 34]) + frame(0x88, close_payload(1000), MASK),
    "server-sends-eof": bytes([SERVER | SENDS | EOF, 35])
    + frame(0x82, b"data" * 40, MASK)
    + frame(0x89, b"x", MASK),
    "sends-then-close": bytes([CLIENT | SENDS, 36]) + frame(0x82, b"payload for sends " * 10) + frame(0x88),
}
write("frame_decoder", decoder)

# frame_decoder_deflate: flags, params (bits 0-2 client bits - 8, bits 3-5 server bits - 8,
# bit 6 client_no_context_takeover, bit 7 server_no_context_takeover), seed, wire bytes.
W15 = 0x3F  # 15/15 with context takeover
HELLO = bytes([0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00])
text = ("The quick brown fox jumps over the lazy dog. " * 8).encode()
deflate_seeds = {
    "rfc7692-hello": bytes([CLIENT, W15, 1]) + frame(0xC1, HELLO),
    "rfc7692-shared-window": bytes([CLIENT, W15, 2]) + frame(0xC1, HELLO) + frame(0xC1, bytes([0xF2, 0x00, 0x11, 0x00, 0x00])),
    "rfc7692-fragmented": bytes([CLIENT, W15, 3]) + frame(0x41, HELLO[:3]) + frame(0x80, HELLO[3:]),
    "rfc7692-stored-block": bytes([CLIENT, W15, 4]) + frame(0xC1, bytes([0x00, 0x05, 0x00, 0xFA, 0xFF]) + b"Hello" + b"\x00"),
    "rfc7692-bfinal": bytes([CLIENT, W15, 5]) + frame(0xC1, bytes([0xF3, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00, 0x00])) + frame(0xC1, HELLO),
    "text-window-9": bytes([CLIENT, 0x09, 6]) + frame(0xC1, deflate(text, 9)),
    "text-no-context": bytes([CLIENT, 0xFF, 7]) + frame(0xC1, deflate(text)) + frame(0xC1, deflate(text)),
    "binary-compressed": bytes([CLIENT, W15, 8]) + frame(0xC2, deflate(bytes(range(256)) * 4)),
    "uncompressed-with-deflate": bytes([CLIENT, W15, 9]) + frame(0x81, b"plain") + frame(0xC1, HELLO),
    "bomb-over-limit": bytes([CLIENT | 0x02, W15, 10]) + frame(0xC2, deflate(bytes(65536))),
    "bomb-at-zero-limit": bytes([CLIENT | 0x06, W15, 11]) + frame(0xC2, deflate(b"x")),
    "bad-deflate-data": bytes([CLIENT, W15, 12]) + frame(0xC1, b"\xff\xff\xff\xff"),
    "compressed-bad-utf8": bytes([CLIENT, W15, 13]) + frame(0xC1, deflate(b"ok\xff")),
    "rsv1-on-continuation": bytes([CLIENT, W15, 14]) + frame(0x41, HELLO[:3]) + frame(0xC0, HELLO[3:]),
    "rsv1-on-ping": bytes([CLIENT, W15, 15]) + frame(0xC9, b"x"),
    "ping-inside-compressed": bytes([CLIENT, W15, 16]) + frame(0x41, HELLO[:2]) + frame(0x89, b"p") + frame(0x80, HELLO[2:]),
    "server-masked-compressed": bytes([SERVER, W15, 17]) + frame(0xC1, HELLO, MASK) + frame(0xC1, deflate(text), MASK),
    "server-window-8-sends": bytes([SERVER | SENDS, 0x00, 18]) + frame(0xC1, deflate(text), MASK) + frame(0x82, text, MASK),
    "client-sends-compressed": bytes([CLIENT | SENDS, 0x2D, 19]) + frame(0xC1, deflate(text)) + frame(0x81, text) + frame(0x88),
    "sends-no-context-min-size": bytes([CLIENT | SENDS | 0x40, 0xC0 | 0x24, 20]) + frame(0x82, text * 2) + frame(0x89, b"x"),
    "close-after-compressed": bytes([CLIENT | EOF, W15, 21]) + frame(0xC1, HELLO) + frame(0x88, close_payload(1000, b"done")),
}
write("frame_decoder_deflate", deflate_seeds)

# frame_decoder_pieces: flags (bit 0 server role, bit 1 permessage-deflate), params (as
# frame_decoder_deflate's), seed, wire bytes.
DEFLATE = 0x02
multibyte = ("aé€😀" * 40).encode()
pieces_seeds = {
    "one-frame-binary": bytes([CLIENT, 0, 1]) + frame(0x82, bytes(range(256)) * 8),
    "text-every-width": bytes([CLIENT, 0, 2]) + frame(0x81, multibyte),
    "text-cut-across-frames": bytes([CLIENT, 0, 3]) + frame(0x01, multibyte[:7]) + frame(0x00, multibyte[7:9]) + frame(0x89, b"p") + frame(0x80, multibyte[9:]),
    "empty-frames": bytes([CLIENT, 0, 4]) + frame(0x01) + frame(0x00) + frame(0x80) + frame(0x82),
    "bad-text-midway": bytes([CLIENT, 0, 5]) + frame(0x81, b"good " * 30 + b"\xff" + b"never"),
    "char-cut-at-the-end": bytes([CLIENT, 0, 6]) + frame(0x01, b"ok") + frame(0x80, "€".encode()[:2]),
    "server-masked": bytes([SERVER, 0, 7]) + frame(0x01, multibyte[:5], MASK) + frame(0x80, multibyte[5:], MASK),
    "compressed-text": bytes([CLIENT | DEFLATE, W15, 8]) + frame(0xC1, deflate(multibyte)) + frame(0xC1, HELLO),
    "compressed-fragments": bytes([CLIENT | DEFLATE, W15, 9]) + frame(0x41, deflate(text)[:10]) + frame(0x89, b"p") + frame(0x80, deflate(text)[10:]),
    "compressed-bomb": bytes([CLIENT | DEFLATE, W15, 10]) + frame(0xC2, deflate(bytes(1 << 20))),
    "compressed-bad-data": bytes([CLIENT | DEFLATE, W15, 11]) + frame(0xC1, deflate(text)[:20] + b"\xff\xff\xff"),
    "compressed-bad-utf8": bytes([CLIENT | DEFLATE, W15, 12]) + frame(0xC1, deflate(b"fine " * 20 + b"\xc3(")),
    "close-in-a-message": bytes([CLIENT, 0, 13]) + frame(0x01, b"part") + frame(0x88, close_payload(1000)),
}
write("frame_decoder_pieces", pieces_seeds)

# handshake_response: offer byte (bit 0 deflate, bit 1 subprotocols, bits 2-4
# client_no_context, server_no_context, fallback, bit 5 server side accepts deflate),
# window-bits byte (low: client, high: server, 0: not offered), response bytes.
ACCEPT = b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def response(*fields, status=b"101 Switching Protocols", version=b"1.1"):
    head = b"HTTP/" + version + b" " + status + b"\r\n"
    for f in fields:
        head += f + b"\r\n"
    return head + b"\r\n"


UP = (b"Upgrade: websocket", b"Connection: Upgrade", b"Sec-WebSocket-Accept: " + ACCEPT)
request = (
    b"GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n"
    b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
)
handshake = {
    "101-plain": bytes([0x00, 0x00]) + response(*UP) + b"\x81\x02hi",
    "101-lowercase-lists": bytes([0x00, 0x00])
    + response(b"upgrade: WebSocket", b"connection: keep-alive, upgrade", b"sec-websocket-accept: " + ACCEPT),
    "101-deflate": bytes([0x01, 0x0F]) + response(*UP, b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10; server_no_context_takeover"),
    "101-deflate-offer-bounds": bytes([0x1D, 0xAC]) + response(*UP, b"Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=9; server_no_context_takeover; client_no_context_takeover"),
    "101-deflate-quoted": bytes([0x01, 0x0F]) + response(*UP, b'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits="12"'),
    "101-deflate-not-offered": bytes([0x00, 0x00]) + response(*UP, b"Sec-WebSocket-Extensions: permessage-deflate"),
    "101-deflate-twice": bytes([0x01, 0x0F]) + response(*UP, b"Sec-WebSocket-Extensions: permessage-deflate, permessage-deflate"),
    "101-unknown-extension": bytes([0x01, 0x0F]) + response(*UP, b"Sec-WebSocket-Extensions: x-webkit-deflate-frame"),
    "101-subprotocol": bytes([0x02, 0x00]) + response(*UP, b"Sec-WebSocket-Protocol: superchat"),
    "101-subprotocol-not-offered": bytes([0x02, 0x00]) + response(*UP, b"Sec-WebSocket-Protocol: other"),
    "101-wrong-accept": bytes([0x00, 0x00]) + response(b"Upgrade: websocket", b"Connection: Upgrade", b"Sec-WebSocket-Accept: x3JJHMbDL1EzLkh9GBhXDw=="),
    "101-two-accepts": bytes([0x00, 0x00]) + response(*UP, b"Sec-WebSocket-Accept: " + ACCEPT),
    "101-no-upgrade": bytes([0x00, 0x00]) + response(b"Connection: Upgrade", b"Sec-WebSocket-Accept: " + ACCEPT),
    "101-http10": bytes([0x00, 0x00]) + response(*UP, version=b"1.0"),
    "200-ok": bytes([0x00, 0x00]) + response(b"Content-Length: 0", status=b"200 OK"),
    "302-redirect": bytes([0x00, 0x00]) + response(b"Location: wss://other.example/chat", status=b"302 Found"),
    "426-upgrade-required": bytes([0x00, 0x00]) + response(b"Sec-WebSocket-Version: 13", status=b"426 Upgrade Required"),
    "partial-head": bytes([0x00, 0x00]) + response(*UP)[:40],
    "not-http": bytes([0x00, 0x00]) + b"SSH-2.0-OpenSSH_9.6\r\n\r\n",
    "bad-window-offer": bytes([0x01, 0x17]) + response(*UP),
    "request-for-server-side": bytes([0x20, 0x00]) + request + b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n",
    "request-without-deflate": bytes([0x00, 0x00]) + request + b"\r\n",
}
write("handshake_response", handshake)

# url: URL \n redirect location \n no_proxy list.
urls = {
    "ws-path-query": b"ws://example.com/chat?x=1",
    "wss-port": b"wss://example.com:8443",
    "ipv6-port": b"ws://[::1]:9000/p",
    "ipv6-default-port": b"wss://[2001:db8::1]/",
    "ipv4-shorthand": b"ws://127.1:80/",
    "http-scheme": b"http://a",
    "https-upper": b"HTTPS://A.Example/",
    "no-scheme-port": b"localhost:8080/x",
    "userinfo": b"ws://user:pw@host/",
    "fragment": b"ws://host/#frag",
    "port-zero": b"ws://h:0",
    "port-too-big": b"ws://h:65536",
    "idn": "ws://bücher.example/ä?ö=ü".encode(),
    "percent-host": b"ws://%41.com/",
    "space-in-path": b"ws://a/ b?c d",
    "ftp": b"ftp://x/",
    "redirect-relative": b"ws://h:8080/a/b?q=1\n../c?z\nexample.com,10.0.0.0/8,[::1]:9000",
    "redirect-downgrade": b"wss://h/\nws://h/\n*",
    "redirect-network-path": b"ws://h\n//other:9/p#frag\n.example.com",
    "redirect-https": b"ws://h/x\nhttps://s/y\nh:80,s",
    "no-proxy-ip-ranges": b"ws://10.200.3.4:81/\n/\n10.0.0.0/8:81, fd00::/8, 192.168.1.7",
    "no-proxy-ipv6": b"ws://[fd12::5]/\n?q\n[fd12::5]:80,::1",
    "proxy-socks5h-credentials": b"socks5h://user:p%40ss@proxy:1080",
    "proxy-http-port": b"http://proxy.example:3128",
    "proxy-socks5-ipv6": b"socks5://[::1]:1081",
    "proxy-http-80": b"http://proxy.example:80",
    "proxy-https": b"https://user:p%40ss@proxy.example",
    "userinfo-percent": b"wss://us%65r:p%40ss@example.com:8443/chat\n/other\nexample.com",
}
write("url", urls)

# proxy_replies: a reserved byte, then the proxy's answer (also read as a Proxy-Authenticate
# value and as a SOCKS5 reply).
proxy = {
    "connect-200": b"\x00HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01",
    "connect-200-fields": b"\x00HTTP/1.0 200 OK\r\nVia: 1.1 proxy\r\nProxy-Agent: x\r\n\r\n",
    "connect-407": b"\x00HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"p\"\r\n\r\n",
    "connect-407-sent": b"\x01HTTP/1.1 407 Proxy Authentication Required\r\n\r\n",
    "connect-403": b"\x00HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
    "connect-partial": b"\x00HTTP/1.1 200 Conn",
    "connect-not-http": b"\x00SSH-2.0-OpenSSH\r\n\r\n",
    "socks5-ipv4": b"\x00\x05\x00\x00\x01\x7f\x00\x00\x01\x04\x38",
    "socks5-ipv6": b"\x00\x05\x00\x00\x04" + bytes(15) + b"\x01\x04\x38",
    "socks5-domain": b"\x00\x05\x00\x00\x03\x09localhost\x00\x50",
    "socks5-refused": b"\x00\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00",
    "socks5-unknown-atyp": b"\x00\x05\x00\x00\x07\x00",
    "socks4-reply": b"\x00\x00\x5a\x00\x00\x00\x00\x00\x00",
    "connect-407-digest": b"\x00HTTP/1.1 407 Proxy Authentication Required\r\n"
    b"Proxy-Authenticate: Digest realm=\"r\", qop=\"auth\", algorithm=SHA-256, nonce=\"n\"\r\n"
    b"Proxy-Authenticate: NTLM\r\nContent-Length: 4\r\n\r\nbody",
    "challenges": b"\x00Digest realm=\"a\\\"b\", nonce=n, Basic realm=x,, Negotiate YII=, NTLM",
}
write("proxy_replies", proxy)

if __name__ == "__main__":
    for t in sorted(os.listdir(CORPUS)):
        files = os.listdir(os.path.join(CORPUS, t))
        size = sum(os.path.getsize(os.path.join(CORPUS, t, f)) for f in files)
        print(f"{t}: {len(files)} files, {size} bytes")
