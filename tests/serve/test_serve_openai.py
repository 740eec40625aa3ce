"""`kiln serve` driven by the official `openai` Python client on loopback: models.list,
non-streaming chat, streaming chat (the deltas add up to the non-streaming text), completions
(text and token-id prompts), prefix reuse, and 4 client threads at once, every greedy result
token for token what `kiln generate` gives for the same prompt, with --max-batch 1 and 4.
Prints (does not assert) requests/s of the 4 threads for both. The client is pip-installed
into KILN_BINARY_DIR/serve-venv on first use; without pip or the network the test is skipped
(exit 77)."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import pyvenv  # noqa: E402

pyvenv.ensure("serve-venv", ["openai"], ["openai"])

import threading  # noqa: E402
import time  # noqa: E402

import openai  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_util import (Server, check, compile_gpt2, finish, generate_ids,  # noqa: E402
                        tmpdir)

MODEL = "libgpt2"
# Prompts for the threads: chat turns (rendered "User: ...\nAssistant:") and completions.
CHATS = ["Hello", "The quick brown fox", "Tell me a story", "1, 2, 3,", "What is kiln?",
         "abc abc abc", "Good morning", "hi"]
N = 12


def chat_prompt(text):
    return "User: %s\nAssistant:" % text


def ids_of(resp):
    return resp.to_dict()["choices"][0]["token_ids"]


def chat(client, text, **kw):
    return client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": text}],
                                          max_tokens=N, temperature=0, **kw)


def run_checks(srv, lib, batch, want):
    client = openai.OpenAI(base_url=srv.base + "/v1", api_key="none", max_retries=0, timeout=120)
    tag = "max-batch %d" % batch
    models = [m.id for m in client.models.list()]
    check(tag + ": models.list", models == [MODEL], models)

    r = chat(client, CHATS[0])
    check(tag + ": chat ids = kiln generate", ids_of(r) == want[CHATS[0]], (ids_of(r), want[CHATS[0]]))
    check(tag + ": chat shape", r.object == "chat.completion" and
          r.choices[0].message.role == "assistant" and r.usage.completion_tokens == len(ids_of(r))
          and r.choices[0].finish_reason in ("stop", "length"), r)
    text = r.choices[0].message.content

    parts, usage, finish_reason, ids = [], None, None, None
    for ch in chat(client, CHATS[0], stream=True, stream_options={"include_usage": True}):
        if ch.usage:
            usage = ch.usage
        for c in ch.choices:
            if c.delta.content:
                parts.append(c.delta.content)
            if c.finish_reason:
                finish_reason = c.finish_reason
                ids = ch.to_dict()["choices"][0].get("token_ids")
    check(tag + ": stream deltas = non-streaming text", "".join(parts) == text,
          ("".join(parts), text))
    check(tag + ": stream finish and usage", finish_reason == r.choices[0].finish_reason and
          usage is not None and usage.completion_tokens == len(want[CHATS[0]]) and ids == ids_of(r),
          (finish_reason, usage, ids))

    c = client.completions.create(model=MODEL, prompt=CHATS[1], max_tokens=N, temperature=0)
    check(tag + ": completion ids = kiln generate",
          c.to_dict()["choices"][0]["token_ids"] == want["c:" + CHATS[1]])
    c = client.completions.create(model=MODEL, prompt=[5, 6, 7, 8], max_tokens=N, temperature=0)
    check(tag + ": token-id prompt ids = kiln generate",
          c.to_dict()["choices"][0]["token_ids"] == want["ids"])

    # Prefix reuse: a second request that extends the first one's cached tokens prefills only
    # the rest, and still gives kiln generate's tokens.
    long_prompt = [5, 6, 7, 8] + want["ids"][:N - 1] + [9, 10]
    c = client.completions.create(model=MODEL, prompt=long_prompt, max_tokens=N, temperature=0)
    d = c.to_dict()
    check(tag + ": reuse ids = kiln generate", d["choices"][0]["token_ids"] == want["long"])
    if batch == 1:
        check(tag + ": reused cached prefix", d["usage"]["prompt_tokens_details"]["cached_tokens"]
              == 4 + N - 1, d["usage"])

    # Chat-level reuse, the agent's pattern: a one-token reply leaves exactly the rendered
    # prompt in the cache; the next turn resends it as history with the reply appended.
    hist = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    r1 = client.chat.completions.create(model=MODEL, messages=hist, max_tokens=1, temperature=0)
    hist2 = hist + [{"role": "assistant", "content": " there"}, {"role": "user", "content": "Go"}]
    r2 = client.chat.completions.create(model=MODEL, messages=hist2, max_tokens=N, temperature=0)
    check(tag + ": history turn ids = kiln generate", ids_of(r2) == want["history"],
          (ids_of(r2), want["history"]))
    if batch == 1:
        check(tag + ": history turn reuses the previous prompt",
              r2.usage.prompt_tokens_details.cached_tokens == r1.usage.prompt_tokens,
              (r1.usage, r2.usage))

    # 4 threads, each several requests, results compared to kiln generate.
    errors, done = [], [0]
    lock = threading.Lock()

    def worker(k):
        try:
            for j in range(4):
                t = CHATS[(k + j) % len(CHATS)]
                got = ids_of(chat(client, t))
                if got != want[t]:
                    with lock:
                        errors.append((t, got, want[t]))
                with lock:
                    done[0] += 1
        except Exception as e:  # noqa: BLE001
            with lock:
                errors.append(repr(e))

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dt = time.monotonic() - t0
    check(tag + ": 4 threads x 4 requests = kiln generate", not errors and done[0] == 16, errors[:3])
    print("benchmark: %s: 16 chat requests (%d tokens max) from 4 threads in %.3f s: %.1f req/s"
          % (tag, N, dt, 16 / dt))


def main():
    tmp = tmpdir("serve-openai")
    lib = compile_gpt2(tmp)
    want = {t: generate_ids(lib, prompt=chat_prompt(t), n=N) for t in CHATS}
    want["c:" + CHATS[1]] = generate_ids(lib, prompt=CHATS[1], n=N)
    want["ids"] = generate_ids(lib, tokens=[5, 6, 7, 8], n=N)
    want["long"] = generate_ids(lib, tokens=[5, 6, 7, 8] + want["ids"][:N - 1] + [9, 10], n=N)
    want["history"] = generate_ids(
        lib, prompt="System: Be brief.\nUser: Hi\nAssistant: there\nUser: Go\nAssistant:", n=N)
    for batch in (1, 4):
        srv = Server(lib, "--max-batch", str(batch), tmp=tmp)
        try:
            run_checks(srv, lib, batch, want)
        finally:
            srv.stop("max-batch %d" % batch)
    finish()


main()
