# 一组下载，其中一个失败：TaskGroup 取消其余的；gather(return_exceptions=True) 谁也不取消。
import asyncio
import contextlib
import time

import walkthrough as wt  # 课程的小帮手：读参数、报告时间线；单独运行时用默认值

MODE = wt.text("mode", "group")  # group 或 collect
FAIL = wt.integer("fail", 2)  # 第几个下载会失败，0 表示都成功
STEP = wt.duration("step", "200ms")  # 第 i 个下载要花 i×STEP 秒
LIMIT = wt.integer("limit", 0)  # 同时最多几个，0 表示不限
DOWNLOADS = 4  # 第 i 个要花 i×STEP
T0 = time.perf_counter()


def now() -> float:
    return time.perf_counter() - T0


class ServerError(Exception):
    pass


async def download(i: int, slots, outcomes: dict) -> None:
    name = f"download {i}"
    try:
        async with slots:  # 有上限时在这里排队，等一个空位
            wt.start(name)
            try:
                await asyncio.sleep(i * STEP)
            except asyncio.CancelledError:
                outcomes[i] = f"cancelled ({now():.2f}s)"
                wt.end(name, "cancelled")
                raise
            if i == FAIL:
                outcomes[i] = f"failed ({now():.2f}s): server said 500"
                wt.end(name, "failed")
                raise ServerError(f"{name}: server said 500")
            outcomes[i] = f"ok ({now():.2f}s)"
            wt.end(name, "ok")
    except asyncio.CancelledError:
        outcomes.setdefault(i, "not started")  # 还在排队时就被取消了
        raise


async def main() -> None:
    slots = asyncio.Semaphore(LIMIT) if LIMIT > 0 else contextlib.nullcontext()
    outcomes: dict[int, str] = {}
    first = None
    wt.start("Wait")
    if MODE == "group":
        try:
            async with asyncio.TaskGroup() as tg:
                for i in range(1, DOWNLOADS + 1):
                    tg.create_task(download(i, slots, outcomes))
            # 离开 async with 时等所有任务结束
        except* ServerError as group:
            first = group.exceptions[0]
    else:
        results = await asyncio.gather(
            *(download(i, slots, outcomes) for i in range(1, DOWNLOADS + 1)),
            return_exceptions=True,  # 异常和结果一样放进列表
        )
        first = next((r for r in results if isinstance(r, Exception)), None)
    wt.end("Wait", "error" if first else "ok")
    for i in range(1, DOWNLOADS + 1):
        print(f"download {i}: {outcomes[i]}")
    print(f"first error: {first if first else 'none'} ({now():.2f}s)")


if __name__ == "__main__":
    asyncio.run(main())
