"""A TCP proxy on loopback that stands between the app and a service and can fail like a real one.

Outages are simulated here, never by stopping the shared PostgreSQL or Redis:

- `up`: bytes flow both ways (the proxy is invisible);
- `drop`: every open connection is reset and new ones are accepted and reset at once, as when the
  service's process has died or its host refuses connections;
- `hang`: connections stay open but nothing is forwarded any more, and new ones are accepted and
  never answered, as when the service is frozen, swapping or behind a dead network path (the
  kernel keeps acknowledging, so only the client's own timeouts notice).

Switching back to `up` lets new connections through; connections that were held during a hang
resume, as a frozen server's would.
"""

import select
import socket
import struct
import threading

UP, DROP, HANG = "up", "drop", "hang"
_POLL_SECONDS = 0.05
_CHUNK = 65536


class FaultProxy:
    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.mode = UP
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(_POLL_SECONDS)
        self.port = self._listener.getsockname()[1]
        self._pairs = []  # [client, upstream or None]
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"fault-proxy-{self.port}", daemon=True)
        self._thread.start()

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def up(self):
        self.mode = UP

    def hang(self):
        self.mode = HANG

    def drop(self):
        self.mode = DROP
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            _reset(*pair)

    def close(self):
        self._stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()
        self.drop()

    # The one thread does everything with select(): few connections, and no thread per socket to leak.
    def _serve(self):
        while not self._stopping.is_set():
            self._accept()
            with self._lock:
                pairs = list(self._pairs)
            if self.mode != UP or not pairs:
                self._stopping.wait(_POLL_SECONDS)
                continue
            for pair in pairs:
                if pair[1] is None and not self._connect_upstream(pair):
                    continue
            sockets = [sock for pair in pairs for sock in pair if sock is not None]
            try:
                readable, _, _ = select.select(sockets, [], [], _POLL_SECONDS)
            except (OSError, ValueError):
                self._forget_closed()
                continue
            for sock in readable:
                self._forward(sock, pairs)

    def _accept(self):
        try:
            client, _ = self._listener.accept()
        except TimeoutError:
            return
        except OSError:
            return
        if self.mode == DROP:
            _reset(client, None)
            return
        with self._lock:
            self._pairs.append([client, None])

    def _connect_upstream(self, pair):
        try:
            pair[1] = socket.create_connection(self.target, timeout=2)
        except OSError:
            self._remove(pair)
            _reset(pair[0], None)
            return False
        return True

    def _forward(self, sock, pairs):
        pair = next((pair for pair in pairs if sock in pair), None)
        if pair is None or self.mode != UP:
            return
        other = pair[1] if sock is pair[0] else pair[0]
        try:
            data = sock.recv(_CHUNK)
            if data:
                other.sendall(data)
                return
        except OSError:
            pass
        self._remove(pair)
        _close(*pair)

    def _remove(self, pair):
        with self._lock:
            if pair in self._pairs:
                self._pairs.remove(pair)

    def _forget_closed(self):
        with self._lock:
            self._pairs = [pair for pair in self._pairs if all(sock is None or sock.fileno() >= 0 for sock in pair)]


def _reset(*sockets):
    for sock in sockets:
        if sock is None:
            continue
        try:
            # Linger 0: close with a RST, so the client sees "connection reset" at once, not a clean end.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        sock.close()


def _close(*sockets):
    for sock in sockets:
        if sock is not None:
            sock.close()
