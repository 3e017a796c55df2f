#!/usr/bin/env python3
"""A receiving server for the Courier interop suite (issue 6), on Python's http.server machinery.

The stock `python3 -m http.server` answers POST with 501, so this small handler reads every POST and PUT
body (framed by Content-Length or by chunked transfer coding), hashes it while reading, answers
201 Created with an empty body, and appends one JSON line per event to --log:

    {"event": "connection", "conn": 7}
    {"event": "request", "conn": 7, "method": "POST", "path": "/upload", "length": 1234,
     "sha256": "…", "chunked": false}

--protocol 1.0 answers as HTTP/1.0 (http.server then closes the connection after every response);
--protocol 1.1 keeps connections alive. The bound port (--port 0 picks a free one) is written to
--port-file once the server listens. Runs until killed.
"""
import argparse
import hashlib
import http.server
import json
import os
import sys
import threading

READ_SIZE = 64 * 1024


class BadRequest(Exception):
    pass


class Recorder:
    def __init__(self, path):
        self._file = open(path, "a", encoding="utf-8")
        self._lock = threading.Lock()
        self._next_connection = 0

    def new_connection(self):
        with self._lock:
            self._next_connection += 1
            number = self._next_connection
            self._write({"event": "connection", "conn": number})
            return number

    def request(self, record):
        with self._lock:
            self._write(record)

    def _write(self, record):
        self._file.write(json.dumps(record, sort_keys=True) + "\n")
        self._file.flush()


class Handler(http.server.BaseHTTPRequestHandler):
    recorder = None  # set in main()

    def setup(self):
        super().setup()
        self.connection_number = self.recorder.new_connection()

    def log_message(self, format, *args):  # no per-request logging
        pass

    def do_GET(self):
        body = b"courier interop recording server\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self._receive()

    def do_PUT(self):
        self._receive()

    def _receive(self):
        digest = hashlib.sha256()
        try:
            length, chunked = self._read_body(digest)
        except BadRequest as problem:
            self.close_connection = True
            self.send_error(400, str(problem))
            return
        self.recorder.request({
            "event": "request",
            "conn": self.connection_number,
            "method": self.command,
            "path": self.path,
            "length": length,
            "sha256": digest.hexdigest(),
            "chunked": chunked,
        })
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _read_body(self, digest):
        transfer_encoding = self.headers.get_all("Transfer-Encoding") or []
        content_length = self.headers.get_all("Content-Length") or []
        codings = [c.strip().lower() for value in transfer_encoding for c in value.split(",") if c.strip()]
        if codings:
            if content_length:
                raise BadRequest("both Transfer-Encoding and Content-Length")
            if codings != ["chunked"]:
                raise BadRequest("unsupported transfer coding %r" % codings)
            return self._read_chunked(digest), True
        if content_length:
            values = {v.strip() for value in content_length for v in value.split(",")}
            if len(values) != 1 or not values.copy().pop().isdigit():
                raise BadRequest("bad Content-Length %r" % content_length)
            length = int(values.pop())
            self._read_exactly(length, digest)
            return length, False
        return 0, False

    def _read_exactly(self, length, digest):
        remaining = length
        while remaining > 0:
            data = self.rfile.read(min(READ_SIZE, remaining))
            if not data:
                raise BadRequest("body ended after %d of %d bytes" % (length - remaining, length))
            digest.update(data)
            remaining -= len(data)

    def _read_line(self):
        line = self.rfile.readline(65537)
        if not line.endswith(b"\r\n"):
            raise BadRequest("chunked framing: line not ended by CRLF")
        return line[:-2]

    def _read_chunked(self, digest):
        total = 0
        while True:
            size_text = self._read_line().split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise BadRequest("bad chunk size %r" % size_text)
            if size < 0:
                raise BadRequest("bad chunk size %r" % size_text)
            if size == 0:
                while self._read_line() != b"":  # trailer fields, then the empty line
                    pass
                return total
            self._read_exactly(size, digest)
            total += size
            if self.rfile.read(2) != b"\r\n":
                raise BadRequest("chunk data not followed by CRLF")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--protocol", choices=["1.0", "1.1"], required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    arguments = parser.parse_args()

    Handler.protocol_version = "HTTP/" + arguments.protocol
    Handler.recorder = Recorder(arguments.log)
    server = Server((arguments.host, arguments.port), Handler)
    temporary = arguments.port_file + ".tmp"
    with open(temporary, "w") as port_file:
        port_file.write("%d\n" % server.server_address[1])
    os.rename(temporary, arguments.port_file)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
