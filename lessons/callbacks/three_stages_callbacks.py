# 回调版：每个调用立刻返回，结果到了由事件循环调用 on_done 或 on_error。
# 第 2 步要用第 1 步的结果，只能写在第 1 步的 on_done 里面，于是越套越深。
import asyncio

LATENCY = 0.2
FAIL_AT = None  # 改成 1、2 或 3，让那一步失败


def call_service(stage, answer, on_done, on_error):
    """假装发出一个请求：马上返回，LATENCY 秒后再回调。"""
    def deliver():
        if stage == FAIL_AT:
            on_error(RuntimeError(f"stage {stage}: service unavailable"))
        else:
            on_done(answer)
    asyncio.get_running_loop().call_later(LATENCY, deliver)


def fetch_user_id(name, on_done, on_error):
    call_service(1, 7, on_done, on_error)


def fetch_order(user_id, on_done, on_error):
    order = {"id": 1024, "items": [(2, 12.50), (1, 8.90), (3, 4.00)]}
    call_service(2, order, on_done, on_error)


def fetch_total(order, on_done, on_error):
    call_service(3, sum(q * p for q, p in order["items"]), on_done, on_error)


async def main():
    finished = asyncio.get_running_loop().create_future()

    def finish(message):
        print(message)
        finished.set_result(None)

    # 核心开始
    def on_user(user_id):
        def on_order(order):
            def on_total(total):
                finish(f"total {total:.2f}")
            fetch_total(order, on_total, lambda e: finish(f"stage 3 on_error: {e}"))
        fetch_order(user_id, on_order, lambda e: finish(f"stage 2 on_error: {e}"))

    fetch_user_id("alice", on_user, lambda e: finish(f"stage 1 on_error: {e}"))
    # 核心结束
    await finished  # 只是让事件循环一直运行，直到回调链走完


if __name__ == "__main__":
    asyncio.run(main())
