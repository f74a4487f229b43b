# 用 asyncio.open_connection 同时向几个主机发手写的 HTTP 请求，响应头一到就打印。
# 为了不依赖外网，先在本机起几个“慢吞吞”的小主机：每隔 delay 秒才吐出一行响应头。
import asyncio
import time

DELAYS = {"alpha.test": 0.3, "bravo.test": 0.1, "charlie.test": 0.2}
START = time.monotonic()


def stamp() -> str:
    return f"[{time.monotonic() - START:.2f}s]"


async def tiny_host(delay: float, reader, writer) -> None:
    while (await reader.readline()) not in (b"\r\n", b""):
        pass  # 读完请求，直到空行
    for line in ["HTTP/1.0 200 OK", "Server: tiny", f"X-Line-Delay: {delay}s", ""]:
        await asyncio.sleep(delay)  # 一行一行地慢慢写
        writer.write(line.encode() + b"\r\n")
        await writer.drain()
    writer.close()


async def wget(name: str, port: int) -> None:
    # 核心开始
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET / HTTP/1.0\r\nHost: {name}\r\n\r\n".encode())
    await writer.drain()
    while True:
        line = await reader.readline()  # 在这里挂起，事件循环去照顾别的连接
        if line in (b"\r\n", b""):  # 空行是响应头的结尾；b"" 表示对方已断开
            break
    # 核心结束
        print(stamp(), name, "<", line.decode().rstrip())
    writer.close()
    await writer.wait_closed()


async def main() -> None:
    servers, ports = [], {}
    for name, delay in DELAYS.items():
        srv = await asyncio.start_server(
            lambda r, w, d=delay: tiny_host(d, r, w), "127.0.0.1", 0)
        servers.append(srv)
        ports[name] = srv.sockets[0].getsockname()[1]
    # 核心开始
    await asyncio.gather(*(wget(name, port) for name, port in ports.items()))
    # 核心结束
    for srv in servers:
        srv.close()
        await srv.wait_closed()
    print(f"{len(ports)} hosts in {time.monotonic() - START:.2f}s")


if __name__ == "__main__":
    asyncio.run(main())
