# 信号量限流 + 按完成顺序收结果 + 分类计数。
import asyncio
import collections
import time

import aiohttp

import walkthrough as wt  # 课程的小帮手：读参数、报告时间线；单独运行时用默认值

BASE_URL = wt.flags_url()  # 国旗服务器的地址：在课程里运行时由服务器给出
COUNTRIES = "CN IN US ID BR PK NG BD RU JP MX PH VN ET EG DE IR TR CD FR".split()
LIMIT = wt.integer("limit", 5)  # 信号量的名额：同时最多几个请求在路上
# 这次运行对服务器的设置。种子相同，出错的请求也相同：运行可以重现。
# 和 Go 版一样，为 0 或 none 的一项不写，由服务器用它自己的设置。
SETTINGS = {
    name: value
    for name, value in [
        ("latency", wt.text("latency", "100ms")),
        ("notfound", wt.text("missing", "CD,IR")),
        ("error_rate", wt.text("error_rate", "0.1")),
        ("seed", wt.text("seed", "2")),
    ]
    if value not in ("0s", "0", "none")
}


class NotFound(Exception):
    """服务器说这面国旗不存在（404）。"""


async def get_flag(http: aiohttp.ClientSession, cc: str) -> bytes:
    cc = cc.lower()
    async with http.get(f"{BASE_URL}/{cc}/{cc}.gif", params=SETTINGS) as resp:
        if resp.status == 404:
            raise NotFound(cc)
        resp.raise_for_status()  # 500 之类变成 aiohttp.ClientResponseError
        return await resp.read()


async def download_one(http, sem: asyncio.Semaphore, cc: str, flight: dict) -> tuple[str, str]:
    wt.wait(cc)  # 从这里排队：时间线上画一段灰色，直到拿到名额
    async with sem:  # 名额用完时在这里排队；离开 with 块时归还名额
        # 协程只在 await 处换人，这两行之间没人插进来：计数不用加锁
        flight["now"] += 1
        flight["peak"] = max(flight["peak"], flight["now"])
        wt.start(cc)  # 拿到名额才开始下载：同时在下载的正是信号量放行的那些
        try:
            await get_flag(http, cc)
            outcome, status = "ok", "ok"
        except NotFound:
            outcome, status = "not found", "404"
        except aiohttp.ClientResponseError as exc:
            outcome, status = f"error (HTTP {exc.status})", "error"
        except aiohttp.ClientError as exc:  # 根本没连上之类
            outcome, status = f"error ({exc})", "error"
        wt.end(cc, status)
        flight["now"] -= 1
    return cc, outcome  # 结果里带上国家代码：as_completed 交回的不是原来的任务


async def main() -> None:
    t0 = time.perf_counter()
    sem = asyncio.Semaphore(LIMIT)
    tally = collections.Counter()
    flight = {"now": 0, "peak": 0}  # 此刻占着名额的请求数，以及它到过的最大值
    async with aiohttp.ClientSession() as http:
        jobs = [download_one(http, sem, cc, flight) for cc in COUNTRIES]
        # 谁先完成先拿谁；3.11、3.12 上 next_done 是一个新的协程，
        # await 它得到下一个完成者的结果，它本身不是哪个原来的任务
        for next_done in asyncio.as_completed(jobs):
            cc, outcome = await next_done
            print(f"[{time.perf_counter() - t0:.2f}s] {cc} {outcome}")
            tally[outcome.split(" (")[0]] += 1
    print(f"{tally['ok']} ok, {tally['not found']} not found, {tally['error']} errors")
    print(f"{len(COUNTRIES)} flags in {time.perf_counter() - t0:.2f}s, "
          f"at most {flight['peak']} requests in flight (limit {LIMIT})")


if __name__ == "__main__":
    asyncio.run(main())
