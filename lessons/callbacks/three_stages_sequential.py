# 顺序版：每一步都 await，代码从上往下读；哪一步出错，异常都沿调用链
# 往上抛，在 main 的一个 try/except 里统一处理。
import asyncio
import sys
import time

import walkthrough as wt  # 课程的小帮手：读参数、报告时间线；单独运行时用默认值

LATENCY = wt.duration("latency", "200ms")  # 每一步假装要等多久，单位秒
FAIL_AT = wt.text("fail", "none")  # 让第几步出错："1"、"2"、"3"，none 表示都成功
SERVICES = {1: "user", 2: "order", 3: "pricing"}
ITEMS = [("notebook", 2, 12.50), ("pen set", 1, 8.90), ("green tea", 3, 4.00)]
T0 = time.perf_counter()


class ServiceUnavailable(Exception):
    """用 fail 参数注入的故障。"""


def say(line: str) -> None:
    print(f"[{time.perf_counter() - T0:.2f}s] {line}")


async def call_service(stage, answer):
    task = f"stage {stage}"
    wt.start(task)
    await asyncio.sleep(LATENCY)  # 等待期间事件循环可以去做别的事
    if str(stage) == FAIL_AT:
        wt.end(task, "error")
        raise ServiceUnavailable(f"stage {stage}: the {SERVICES[stage]} service is unavailable")
    wt.end(task, "ok")
    return answer


async def fetch_user_id(name):
    return await call_service(1, len(name) + 2)  # "alice" -> 7


async def fetch_order(user_id):
    return await call_service(2, {"id": 1017 + user_id, "items": ITEMS})


async def fetch_total(order):
    return await call_service(3, sum(qty * price for _, qty, price in order["items"]))


async def three_stages(name):
    say(f'stage 1: look up the id of user "{name}"')
    user_id = await fetch_user_id(name)  # 出错时异常直接穿过这里，不必逐层转交
    say(f"stage 1 returned user id {user_id} -> stage 2: fetch their order")
    order = await fetch_order(user_id)
    say(f"stage 2 returned order #{order['id']}, {len(order['items'])} items -> stage 3: ask for the total")
    total = await fetch_total(order)
    say(f"stage 3 returned total {total:.2f}")
    return total


async def main() -> int:
    try:
        total = await three_stages("alice")
    except ServiceUnavailable as exc:  # 三步中任何一步的错误都落到这里
        elapsed = time.perf_counter() - T0
        wt.point("main", "error handled")
        say(f"main's single error check saw: {exc}")
        # Go 版的错误是作为返回值一层层交回 main 的；Python 的异常自己往上抛
        print(f"the exception rose up to main and was caught there, in one place ({elapsed:.2f}s)")
        return 1
    elapsed = time.perf_counter() - T0
    print(f"total {total:.2f} after 3 stages in {elapsed:.2f}s")
    return 0


if __name__ == "__main__":
    # 出错时退出状态是 1：和 Go 版返回错误一样，这次运行算失败
    sys.exit(asyncio.run(main()))
