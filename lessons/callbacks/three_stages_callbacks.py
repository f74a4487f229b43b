# 回调版：每个调用立刻返回，结果到了由事件循环调用 on_done 或 on_error。
# 第 2 步要用第 1 步的结果，只能写在第 1 步的 on_done 里面，于是越套越深。
import asyncio
import sys
import time

import walkthrough as wt  # 课程的小帮手：读参数、报告时间线；单独运行时用默认值

LATENCY = wt.duration("latency", "200ms")  # 每一步假装要等多久，单位秒
FAIL_AT = wt.text("fail", "none")  # 让第几步出错："1"、"2"、"3"，none 表示都成功
SERVICES = {1: "user", 2: "order", 3: "pricing"}
ITEMS = [("notebook", 2, 12.50), ("pen set", 1, 8.90), ("green tea", 3, 4.00)]
T0 = time.perf_counter()


def say(depth: int, line: str) -> None:
    print(f"[{time.perf_counter() - T0:.2f}s] {'  ' * depth}{line}")


def call_service(stage, answer, on_done, on_error):
    """假装发出第 stage 步的请求：马上返回，LATENCY 秒后再回调。"""
    task = f"stage {stage}"
    wt.start(task)

    def deliver():
        if str(stage) == FAIL_AT:
            wt.end(task, "error")
            wt.point(task, "onError")
            # 错误没法抛给发起这一步的代码：它早就往下走了
            on_error(RuntimeError(f"stage {stage}: the {SERVICES[stage]} service is unavailable"))
        else:
            wt.end(task, "ok")
            wt.point(task, "onDone")
            on_done(answer)

    asyncio.get_running_loop().call_later(LATENCY, deliver)


def fetch_user_id(name, on_done, on_error):
    call_service(1, len(name) + 2, on_done, on_error)  # "alice" -> 7


def fetch_order(user_id, on_done, on_error):
    call_service(2, {"id": 1017 + user_id, "items": ITEMS}, on_done, on_error)


def fetch_total(order, on_done, on_error):
    call_service(3, sum(qty * price for _, qty, price in order["items"]), on_done, on_error)


async def main() -> int:
    finished = asyncio.get_running_loop().create_future()

    # 回调链停在哪里，就由那里填这个 future：(出错的步骤, None) 或 (None, 总价)
    def failed(stage, exc):  # 第 stage 层的错误处理：只有它知道出了错
        say(stage, f"stage {stage} on_error saw: {exc}")
        finished.set_result((stage, None))

    say(0, 'stage 1: look up the id of user "alice"')
    def on_user(user_id):
        say(1, f"stage 1 on_done: user id {user_id} -> stage 2: fetch their order")

        def on_order(order):
            say(2, f"stage 2 on_done: order #{order['id']}, {len(order['items'])} items -> stage 3: ask for the total")

            def on_total(total):
                say(3, f"stage 3 on_done: total {total:.2f}")
                finished.set_result((None, total))

            fetch_total(order, on_total, lambda exc: failed(3, exc))

        fetch_order(user_id, on_order, lambda exc: failed(2, exc))

    fetch_user_id("alice", on_user, lambda exc: failed(1, exc))

    # 到这里只发起了第 1 步；其余的事都要以后在回调里发生。
    # 等这个 future，只是让事件循环一直运行，直到回调链走完。
    failed_at, total = await finished
    elapsed = time.perf_counter() - T0
    if failed_at:
        print(f"only stage {failed_at}'s on_error saw the error, at nesting depth {failed_at}; "
              f"no outer handler heard of it ({elapsed:.2f}s)")
        return 1
    print(f"total {total:.2f} after 3 stages in {elapsed:.2f}s")
    return 0


if __name__ == "__main__":
    # 出错时退出状态是 1：和 Go 版返回错误一样，这次运行算失败
    sys.exit(asyncio.run(main()))
