# 每个国家两个请求：国旗图片 + metadata.json 里的国名，文件存成 China--CN.gif。
# 所有国家的所有请求共用一个信号量，服务器同时最多看到 LIMIT 个请求。
import asyncio
import pathlib
import tempfile
import time

import aiohttp

BASE_URL = "http://127.0.0.1:8001"  # 换成 walkthrough 打印的国旗服务器地址
CODES = "CN IN US ID BR PK NG BD RU JP MX PH VN ET EG DE IR TR CD FR".split()
LIMIT = 5


async def fetch(session: aiohttp.ClientSession, sem: asyncio.Semaphore, path: str):
    # 核心开始
    async with sem:  # 拿到名额才发请求，出了 with 就还回去
        async with session.get(BASE_URL + path) as resp:
            resp.raise_for_status()
            if path.endswith(".json"):
                return await resp.json()
            return await resp.read()
    # 核心结束


async def download_one(session, sem, cc: str, folder: pathlib.Path) -> str:
    lower = cc.lower()
    # 核心开始
    image = await fetch(session, sem, f"/{lower}/{lower}.gif")
    meta = await fetch(session, sem, f"/{lower}/metadata.json")
    # 核心结束
    # 想让两个请求同时出发，可以改成：
    # image, meta = await asyncio.gather(fetch(...gif...), fetch(...json...))
    name = meta["country"].replace(" ", "_") + f"--{cc}.gif"
    # 写文件会阻塞事件循环，交给线程池去做
    await asyncio.to_thread((folder / name).write_bytes, image)
    return name


async def main() -> None:
    start = time.perf_counter()
    sem = asyncio.Semaphore(LIMIT)
    with tempfile.TemporaryDirectory() as tmp:
        folder = pathlib.Path(tmp)
        async with aiohttp.ClientSession() as session:
            jobs = [download_one(session, sem, cc, folder) for cc in CODES]
            for job in asyncio.as_completed(jobs):
                try:
                    print(await job)
                except aiohttp.ClientError as exc:
                    print("failed:", exc)
        saved = len(list(folder.iterdir()))
    print(f"{saved} files saved in {time.perf_counter() - start:.2f}s")


if __name__ == "__main__":
    asyncio.run(main())
