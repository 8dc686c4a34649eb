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
    """Bytes from ``source`` to ``target`` until ``source`` ends, then the end passed on."""
    with suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    with suppress(OSError):
        target.shutdown(socket.SHUT_WR)


@contextmanager
def https_front(upstream: tuple[str, int]) -> Iterator[tuple[str, str]]:
    """Serve HTTPS on ``localhost`` in front of ``upstream``; yields the ``host:port`` to call
    and the path of the authority's certificate to trust (``REQUESTS_CA_BUNDLE``)."""
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(context)

    clients: set[socket.socket] = set()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            try:
                client = context.wrap_socket(self.request, server_side=True)
            except (ssl.SSLError, OSError):
                return
            clients.add(client)
            with socket.create_connection(upstream) as server:
                back = threading.Thread(target=_pump, args=(server, client))
                back.start()
                _pump(client, server)
                # The live server closes its side once it is done with the request (and its
                # database connections): wait for that, so nothing runs after the test.
                back.join(timeout=10)
            client.close()

    class Server(socketserver.ThreadingTCPServer):
        allow_reuse_address = True
        block_on_close = True  # closing the front waits for its connections to end

    with Server(("localhost", 0), Handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        with authority.cert_pem.tempfile() as bundle:
            try:
                yield f"localhost:{server.server_address[1]}", bundle
            finally:
                server.shutdown()
                # A client's idle keep-alive connection is ended, which ends its request on
                # the live server too.
                for connection in list(clients):
                    with suppress(OSError):
                        # The plain socket's shutdown: the TLS one would drop its state
                        # under the thread reading it.
                        socket.socket.shutdown(connection, socket.SHUT_RDWR)
