"""An HTTPS front for the test server, for clients that only speak ``https://{portal}/rest``
(b24pysdk): it terminates TLS with a certificate of a test authority (trustme) and passes the
bytes on to the live server unchanged."""

from __future__ import annotations

import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import trustme


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


@contextmanager
def https_front(upstream: tuple[str, int]) -> Iterator[tuple[str, str]]:
    """Serve HTTPS on ``localhost`` in front of ``upstream``; yields the ``host:port`` to call
    and the path of the authority's certificate to trust (``REQUESTS_CA_BUNDLE``)."""
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(context)

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            try:
                client = context.wrap_socket(self.request, server_side=True)
            except (ssl.SSLError, OSError):
                return
            with socket.create_connection(upstream) as server:
                back = threading.Thread(target=_pump, args=(server, client), daemon=True)
                back.start()
                _pump(client, server)
                back.join(timeout=10)
            client.close()

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    with Server(("localhost", 0), Handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        with authority.cert_pem.tempfile() as bundle:
            try:
                yield f"localhost:{server.server_address[1]}", bundle
            finally:
                server.shutdown()
