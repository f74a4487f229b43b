# 顺序版：每一步都 await，代码从上往下读；哪一步出错，异常都沿调用链
# 往上抛，在 main 的一个 try/except 里统一处理。
import asyncio

LATENCY = 0.2
FAIL_AT = None  # 改成 1、2 或 3，让那一步失败


async def call_service(stage, answer):
    await asyncio.sleep(LATENCY)  # 等待期间事件循环可以去做别的事
    if stage == FAIL_AT:
        raise RuntimeError(f"stage {stage}: service unavailable")
    return answer


async def fetch_user_id(name):
    return await call_service(1, 7)


async def fetch_order(user_id):
    return await call_service(2, {"id": 1024, "items": [(2, 12.50), (1, 8.90), (3, 4.00)]})


async def fetch_total(order):
    return await call_service(3, sum(q * p for q, p in order["items"]))


# 核心开始
async def three_stages(name):
    user_id = await fetch_user_id(name)
    order = await fetch_order(user_id)
    return await fetch_total(order)
# 核心结束


async def main():
    # 核心开始
    try:
        total = await three_stages("alice")
    except RuntimeError as exc:  # 三步中任何一步的错误都落到这里
        print("main caught:", exc)
    # 核心结束
    else:
        print(f"total {total:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
