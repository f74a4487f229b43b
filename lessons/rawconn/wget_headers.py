# 用 asyncio.open_connection 同时向几个主机发手写的 HTTP 请求，响应头一到就打印。
# 为了不依赖外网，先在本机起几个“慢吞吞”的小主机：每隔 delay 才吐出一行响应头。
import asyncio
import functools
import json
import time

import walkthrough as wt  # 课程的小帮手：读参数、报告时间线；单独运行时用默认值

# .test 域名正是为此保留的：这些名字永远不会指向真实的主机
NAMES = ["alpha.test", "bravo.test", "charlie.test", "delta.test", "echo.test"]
DELAYS = wt.text("delays", "300ms,100ms,200ms").split(",")  # 每个主机发一行的间隔；几个值就是几个主机
START = time.perf_counter()


def say(name: str, line: str) -> None:
    print(f"[{time.perf_counter() - START:.2f}s] {name:<12} {line}")


async def tiny_host(name: str, delay: str, reader, writer) -> None:
    """一个假网站：读完请求，每隔 delay 写一行响应头，最后写一小段正文，然后挂断。"""
    asked = "?"
    while (line := await reader.readline()) not in (b"\r\n", b""):  # 读请求，直到空行
        if line.startswith(b"Host: "):
            asked = line[len(b"Host: "):].decode().strip()
    body = f"hello from {name}\n"
    lines = ["HTTP/1.0 200 OK", f"Server: tiny/{name}", f"X-Requested-Host: {asked}",
             f"X-Line-Delay: {delay}", f"Content-Length: {len(body)}", ""]
    try:
        for line in lines:
            await asyncio.sleep(wt.parse_duration(delay))  # 一行一行地慢慢写
            writer.write(line.encode() + b"\r\n")
            await writer.drain()
        writer.write(body.encode())
        await writer.drain()
    except ConnectionError:
        pass  # 客户端读完响应头就挂断了：没关系
    writer.close()


async def wget(name: str, port: int) -> float:
    """取回一个主机的响应头，返回用了多少秒。"""
    began = time.perf_counter()
    wt.start(name)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)  # 一条 TCP 连接，仅此而已
    host, port = writer.get_extra_info("peername")[:2]
    say(name, f"* connected to {host}:{port}")
    request = f"GET / HTTP/1.0\r\nHost: {name}\r\n\r\n"  # 请求行、一个头部、一个空行，每行以 \r\n 结尾
    writer.write(request.encode())
    await writer.drain()
    say(name, f"> {json.dumps(request)}")  # json.dumps 加上引号、写出 \r\n，和 Go 的 %q 一样
    lines = 0
    while True:
        line = await reader.readline()  # 在这里挂起，事件循环去照顾别的连接
        if line in (b"\r\n", b""):  # 空行是响应头的结尾；b"" 表示对方已断开
            break
        lines += 1
        say(name, f"< {line.decode().rstrip()}")
        wt.point(name, "header")
    writer.close()
    await writer.wait_closed()
    took = time.perf_counter() - began
    say(name, f"* {lines} header lines in {took:.2f}s; body ignored, connection closed")
    wt.end(name, "ok")
    return took


async def main() -> None:
    servers, ports = [], []
    for name, delay in zip(NAMES, DELAYS):
        # 端口 0：任选一个空闲端口
        server = await asyncio.start_server(functools.partial(tiny_host, name, delay), "127.0.0.1", 0)
        servers.append(server)
        ports.append(server.sockets[0].getsockname()[1])
    took = await asyncio.gather(*(wget(name, port) for name, port in zip(NAMES, ports)))
    total = time.perf_counter() - START
    for server in servers:
        server.close()
        await server.wait_closed()
    one_by_one = " + ".join(f"{t:.2f}s" for t in took)
    print(f"{len(took)} hosts read at once in {total:.2f}s; one after another: {one_by_one} = {sum(took):.2f}s")


if __name__ == "__main__":
    asyncio.run(main())
