# 每个国家两个请求：国旗图片 + metadata.json 里的国名，文件存成 China--CN.gif。
# 所有国家的所有请求共用一个信号量，服务器同时最多看到 LIMIT 个请求。
import asyncio
import json
import pathlib
import tempfile
import time

import aiohttp

import walkthrough as wt  # 课程的小帮手：读参数、报告时间线；单独运行时用默认值

BASE_URL = wt.flags_url()  # 国旗服务器的地址：在课程里运行时由服务器给出
COUNTRIES = "CN IN US ID BR PK NG BD RU JP MX PH VN ET EG DE IR TR CD FR".split()
LIMIT = wt.integer("limit", 5)  # 信号量的名额
PAIR = wt.text("pair", "serial")  # 同一国家的两个请求：serial 先图片后国名，parallel 同时发出
# 延迟总要写明，哪怕是 0s：不写的话，会退回服务器启动时的设置
QUERY = {"latency": wt.text("latency", "100ms")}
START = time.perf_counter()


def stamp() -> str:
    return f"[{time.perf_counter() - START:.2f}s]"


async def fetch(session: aiohttp.ClientSession, sem: asyncio.Semaphore, task: str, path: str) -> bytes:
    wt.wait(task)  # 开始排队：时间线上灰色的一段，直到拿到名额
    async with sem:  # 拿到名额才发请求，出了 with 就还回去
        wt.start(task)  # 拿到名额才在时间线上出现：同时在走的横条从不超过 LIMIT 根
        try:
            async with session.get(BASE_URL + path, params=QUERY) as resp:
                resp.raise_for_status()  # 不是 200 就抛 aiohttp.ClientResponseError
                body = await resp.read()
        except aiohttp.ClientResponseError as exc:
            wt.end(task, str(exc.status))
            raise
        except aiohttp.ClientError:
            wt.end(task, "error")
            raise
        wt.end(task, "ok")
        return body


async def download_one(session, sem, cc: str, folder: pathlib.Path) -> str:
    lower = cc.lower()
    gif, meta = f"/{lower}/{lower}.gif", f"/{lower}/metadata.json"
    if PAIR == "parallel":
        # 两个请求同时出发：每个仍然各自去拿名额。return_exceptions=True 让
        # gather 等两个都结束；和 Go 版一样，两个都失败时报图片的错。
        image, info = await asyncio.gather(fetch(session, sem, f"{cc} gif", gif),
                                           fetch(session, sem, f"{cc} meta", meta), return_exceptions=True)
        for outcome in (image, info):
            if isinstance(outcome, Exception):
                raise outcome
    else:
        # 一个接一个，就像连着写两个 async with sem: 块。名额在两个请求之间
        # 还了回去，别的国家可能在我们的第二个请求之前插进来。
        image = await fetch(session, sem, f"{cc} gif", gif)
        info = await fetch(session, sem, f"{cc} meta", meta)
    name = json.loads(info)["country"].replace(" ", "_").replace("/", "-") + f"--{cc}.gif"
    # 写文件会阻塞事件循环，交给线程池去做；await 它，写完了才算这个国家下载完
    await asyncio.to_thread((folder / name).write_bytes, image)
    wt.point("files", cc)
    return name


async def main() -> None:
    sem = asyncio.Semaphore(LIMIT)  # 本次运行唯一的信号量：LIMIT 个名额
    with tempfile.TemporaryDirectory(prefix="flags-metadata-") as tmp:  # 只属于本次运行的目录
        folder = pathlib.Path(tmp)
        async with aiohttp.ClientSession() as session:

            async def one(cc: str) -> bool:
                """下载一个国家，打印一行；成功了返回 True。"""
                try:
                    name = await download_one(session, sem, cc, folder)
                except aiohttp.ClientResponseError as exc:  # 服务器的回答不是 200
                    print(f"{stamp()} {cc} failed: {exc.request_info.url.name}: HTTP {exc.status}")
                    return False
                except aiohttp.ClientError as exc:
                    print(f"{stamp()} {cc} failed: {exc}")
                    return False
                print(f"{stamp()} {name}")
                return True

            done = await asyncio.gather(*(one(cc) for cc in COUNTRIES))
        saved = len(list(folder.iterdir()))  # 数一数磁盘上真正有的文件，而不是相信某个计数器
    summary = (f"{saved} files saved in {time.perf_counter() - START:.2f}s "
               f"({2 * len(COUNTRIES)} requests, at most {LIMIT} at a time)")
    failed = done.count(False)
    print(summary + (f", {failed} failed" if failed else ""))


if __name__ == "__main__":
    asyncio.run(main())
