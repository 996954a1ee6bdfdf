"""A TCP server of JSON lines for the corpus's stand-in peers (collector.py, rpcworker.py,
stratum1.py): accepts clients, splits what they send into lines and hands each to on_line; calls
on_tick about once a second (pushed jobs). Runs until killed."""
import selectors
import socket


def serve(addr, on_line, on_tick=None, on_close=None):
    """on_line(conn, line_bytes), on_tick(), on_close(conn): the peer's callbacks."""
    host, port = addr.rsplit(":", 1)
    srv = socket.create_server((host, int(port)))
    sel = selectors.DefaultSelector()
    sel.register(srv, selectors.EVENT_READ)
    bufs = {}
    while True:
        for key, _ in sel.select(timeout=1.0):
            if key.fileobj is srv:
                c, _ = srv.accept()
                bufs[c] = b""
                sel.register(c, selectors.EVENT_READ)
                continue
            c = key.fileobj
            data = c.recv(4096)
            if not data:
                sel.unregister(c)
                del bufs[c]
                if on_close:
                    on_close(c)
                c.close()
                continue
            bufs[c] += data
            while b"\n" in bufs[c]:
                line, bufs[c] = bufs[c].split(b"\n", 1)
                on_line(c, line)
        if on_tick:
            on_tick()
