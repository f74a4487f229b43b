# 信号量限流 + 按完成顺序收结果 + 分类计数。
import asyncio
import collections
import time

import aiohttp

BASE_URL = "http://127.0.0.1:8001"  # 换成本课程内置国旗服务器的地址
COUNTRIES = "CN IN US ID BR PK NG BD RU JP MX PH VN ET EG DE IR TR CD FR".split()
SETTINGS = {"latency": "100ms", "error_rate": "0.1", "notfound": "CD,IR", "seed": "2"}


class NotFound(Exception):
    """服务器说这面国旗不存在（404）。"""


async def get_flag(http: aiohttp.ClientSession, cc: str) -> bytes:
    cc = cc.lower()
    async with http.get(f"{BASE_URL}/{cc}/{cc}.gif", params=SETTINGS) as resp:
        if resp.status == 404:
            raise NotFound(cc)
        resp.raise_for_status()  # 500 之类变成 aiohttp.ClientResponseError
        return await resp.read()


async def download_one(http, sem: asyncio.Semaphore, cc: str) -> tuple[str, str]:
    # 核心开始
    async with sem:  # 名额用完时在这里排队；离开 with 块时归还名额
        # 核心结束
        try:
            await get_flag(http, cc)
        except NotFound:
            return cc, "not found"
        except aiohttp.ClientError as exc:
            return cc, f"error ({exc})"
    return cc, "ok"  # 结果里带上国家代码：as_completed 交回的不是原来的任务


async def main(limit: int = 5) -> None:
    t0 = time.perf_counter()
    # 核心开始
    sem = asyncio.Semaphore(limit)
    # 核心结束
    tally = collections.Counter()
    async with aiohttp.ClientSession() as http:
        jobs = [download_one(http, sem, cc) for cc in COUNTRIES]
        # 核心开始
        # 谁先完成先拿谁；3.11、3.12 上 next_done 是一个新的协程，
        # await 它得到下一个完成者的结果，它本身不是哪个原来的任务
        for next_done in asyncio.as_completed(jobs):
            cc, outcome = await next_done
            # 核心结束
            print(f"[{time.perf_counter() - t0:.2f}s] {cc} {outcome}")
            tally[outcome.split(" (")[0]] += 1
    print(f"{tally['ok']} ok, {tally['not found']} not found, {tally['error']} errors")
    print(f"{len(COUNTRIES)} flags in {time.perf_counter() - t0:.2f}s")


if __name__ == "__main__":
    asyncio.run(main())
