#!/usr/bin/env python3
"""Bounded load check of a PlotServer on loopback.

N clients each hold one Server-Sent Events stream (/events) open for the whole
run and, at the same time, fetch pages over one keep-alive connection in a loop.
Only 127.0.0.1 / ::1 / localhost are accepted as targets; clients and seconds are
capped. Prints page requests per second, latencies, errors, and events received,
and exits 1 if anything failed.

    python3 scripts/loadcheck.py --port 8000 --clients 200 --seconds 10
"""
import argparse, asyncio, statistics, sys, time

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


async def read_head(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return status, headers


async def pages(host, port, paths, deadline, stats):
    """Fetches `paths` round-robin on one keep-alive connection until the deadline."""
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError as e:
        stats["errors"].append(f"page connect: {e}")
        return
    i = 0
    try:
        while time.monotonic() < deadline:
            path = paths[i % len(paths)]
            i += 1
            t0 = time.monotonic()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            await writer.drain()
            status, headers = await read_head(reader)
            await reader.readexactly(int(headers.get("content-length", "0")))
            stats["latencies"].append(time.monotonic() - t0)
            if status != 200:
                stats["errors"].append(f"GET {path}: {status}")
            stats["requests"] += 1
    except (OSError, asyncio.IncompleteReadError, ValueError) as e:
        stats["errors"].append(f"page: {type(e).__name__} {e}")
    finally:
        writer.close()


async def stream(host, port, deadline, stats):
    """Holds /events open until the deadline, counting events received."""
    try:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(f"GET /events HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        await writer.drain()
        status, headers = await read_head(reader)
        if status != 200 or not headers.get("content-type", "").startswith("text/event-stream"):
            stats["errors"].append(f"events: {status} {headers.get('content-type')}")
            return
        stats["streams_open"] += 1
        count, carry = 0, b""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                data = await asyncio.wait_for(reader.read(65536), timeout=left)
            except asyncio.TimeoutError:
                break
            if not data:
                stats["errors"].append("events: stream closed early")
                break
            buf = carry + data
            count += buf.count(b"\nevent: ") + (1 if buf.startswith(b"event: ") and not carry else 0)
            carry = buf[-8:]
        stats["events"].append(count)
        stats["streams_held"] += 1
        writer.close()
    except (OSError, asyncio.IncompleteReadError, ValueError) as e:
        stats["errors"].append(f"events: {type(e).__name__} {e}")


async def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--paths", default="/,/live/", help="comma-separated pages to fetch")
    a = ap.parse_args()
    if a.host not in LOOPBACK and not a.host.startswith("127."):
        sys.exit("loadcheck only targets loopback (127.0.0.1, ::1, localhost)")
    clients, seconds = min(a.clients, 1000), min(a.seconds, 60)
    paths = a.paths.split(",")

    stats = {"requests": 0, "latencies": [], "errors": [], "events": [],
             "streams_open": 0, "streams_held": 0}
    start = time.monotonic()
    deadline = start + seconds
    tasks = []
    for _ in range(clients):
        tasks.append(asyncio.create_task(stream(a.host, a.port, deadline, stats)))
        tasks.append(asyncio.create_task(pages(a.host, a.port, paths, deadline, stats)))
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=seconds + 30)
    elapsed = time.monotonic() - start

    lat = sorted(stats["latencies"]) or [0.0]
    ev = stats["events"] or [0]
    print(f"clients {clients}, {elapsed:.1f} s, pages {paths}")
    print(f"page requests {stats['requests']}, {stats['requests'] / elapsed:.0f} req/s, "
          f"latency p50 {1000 * lat[len(lat) // 2]:.1f} ms, p99 {1000 * lat[int(len(lat) * 0.99)]:.1f} ms")
    print(f"event streams opened {stats['streams_open']}, held to the end {stats['streams_held']}, "
          f"events per stream min {min(ev)} median {statistics.median(ev):.0f} max {max(ev)}")
    print(f"errors {len(stats['errors'])}" + (": " + "; ".join(stats["errors"][:5]) if stats["errors"] else ""))
    ok = not stats["errors"] and stats["streams_held"] == clients
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    asyncio.run(main())
