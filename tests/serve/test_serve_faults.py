"""Faults against `kiln serve` with raw http.client and sockets on loopback: malformed JSON,
wrong types, bad ranges, unknown model/path/method, unknown fields (ignored), image parts, a
10 MB body, a prompt longer than the context, a client that disconnects mid-stream, 50
concurrent connections, a full queue, and SIGTERM under load. Each answer must be the
documented status with an OpenAI-style error body, the server must keep serving, and SIGTERM
must let running requests finish and exit 0 (docs/serve.md)."""
import http.client
import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_util import (GPT2, Server, check, compile_gpt2, compile_model, finish,  # noqa: E402
                        tmpdir)

MODEL = "libgpt2"


def request(port, method, path, body=None, headers=None, timeout=120):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    c.request(method, path, body=body, headers=headers or {"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def chat_body(**kw):
    b = {"model": MODEL, "messages": [{"role": "user", "content": "Hello"}], "max_tokens": 4,
         "temperature": 0}
    b.update(kw)
    return b


def is_error(data, code=None, param=None):
    try:
        e = json.loads(data)["error"]
    except (ValueError, KeyError, TypeError):
        return False
    return (isinstance(e.get("message"), str) and isinstance(e.get("type"), str) and
            "param" in e and "code" in e and (code is None or e["code"] == code) and
            (param is None or e["param"] == param))


def expect_error(port, label, status, body, code=None, param=None, path="/v1/chat/completions",
                 method="POST"):
    st, data = request(port, method, path, body)
    check(label + ": %d + error body" % status, st == status and is_error(data, code, param),
          (st, data[:300]))


def serving(port):
    st, data = request(port, "POST", "/v1/chat/completions", chat_body())
    return st == 200 and json.loads(data)["choices"][0]["message"]["role"] == "assistant"


def faults(port):
    expect_error(port, "malformed JSON", 400, '{"model": "libgpt2", "messages": [', "invalid_json")
    expect_error(port, "not an object", 400, "[1, 2]", "invalid_json")
    expect_error(port, "trailing garbage", 400, json.dumps(chat_body()) + " x", "invalid_json")
    expect_error(port, "empty body", 400, "", "invalid_json")
    expect_error(port, "nested 5000 deep", 400, "[" * 5000 + "]" * 5000, "invalid_json")
    expect_error(port, "NUL bytes", 400, b'{"model": "libgpt2"\x00\x00}', "invalid_json")
    expect_error(port, "messages a string", 400, chat_body(messages="hi"), "invalid_type",
                 "messages")
    expect_error(port, "messages empty", 400, chat_body(messages=[]), "invalid_value", "messages")
    expect_error(port, "message without role", 400, chat_body(messages=[{"content": "x"}]),
                 "invalid_type", "messages")
    expect_error(port, "unknown role", 400, chat_body(messages=[{"role": "tool", "content": "x"}]),
                 "invalid_value", "messages")
    expect_error(port, "content a number", 400,
                 chat_body(messages=[{"role": "user", "content": 5}]), "invalid_type", "messages")
    img = [{"role": "user", "content": [{"type": "text", "text": "what is this?"},
                                        {"type": "image_url",
                                         "image_url": {"url": "data:image/png;base64,AAAA"}}]}]
    expect_error(port, "image part on a text model", 400, chat_body(messages=img),
                 "unsupported_content", "messages")
    expect_error(port, "max_tokens a string", 400, chat_body(max_tokens="5"), "invalid_type",
                 "max_tokens")
    expect_error(port, "max_tokens 0", 400, chat_body(max_tokens=0), "invalid_value", "max_tokens")
    expect_error(port, "max_tokens 2.5", 400, chat_body(max_tokens=2.5), "invalid_type",
                 "max_tokens")
    expect_error(port, "temperature 5", 400, chat_body(temperature=5), "invalid_value",
                 "temperature")
    expect_error(port, "top_p 0", 400, chat_body(top_p=0), "invalid_value", "top_p")
    expect_error(port, "top_k a list", 400, chat_body(top_k=[1]), "invalid_type", "top_k")
    expect_error(port, "seed a string", 400, chat_body(seed="x"), "invalid_type", "seed")
    expect_error(port, "stream a string", 400, chat_body(stream="yes"), "invalid_type", "stream")
    expect_error(port, "n 2", 400, chat_body(n=2), "invalid_value", "n")
    expect_error(port, "5 stop strings", 400, chat_body(stop=["a", "b", "c", "d", "e"]),
                 "invalid_value", "stop")
    expect_error(port, "stop a number", 400, chat_body(stop=3), "invalid_type", "stop")
    expect_error(port, "model missing", 400, {"messages": [{"role": "user", "content": "x"}]},
                 "missing_required_parameter", "model")
    expect_error(port, "unknown model", 404, chat_body(model="gpt-4"), "model_not_found", "model")
    expect_error(port, "completion without prompt", 400, {"model": MODEL},
                 "missing_required_parameter", "prompt", path="/v1/completions")
    expect_error(port, "token id out of range", 400, {"model": MODEL, "prompt": [1, 512]},
                 "invalid_value", "prompt", path="/v1/completions")
    expect_error(port, "prompt longer than the context", 400,
                 {"model": MODEL, "prompt": [1] * 300}, "context_length_exceeded", "prompt",
                 path="/v1/completions")
    expect_error(port, "text longer than the context", 400,
                 chat_body(messages=[{"role": "user", "content": "hello " * 400}]),
                 "context_length_exceeded", "messages")
    expect_error(port, "prompt + max_tokens over the context", 400, chat_body(max_tokens=250),
                 "context_length_exceeded", "max_tokens")
    expect_error(port, "unknown path", 404, chat_body(), "not_found", path="/v1/embeddings")
    expect_error(port, "GET on a POST route", 405, None, "method_not_allowed", method="GET")
    expect_error(port, "POST on a GET route", 405, "{}", "method_not_allowed", path="/v1/models")

    big = '{"model": "libgpt2", "prompt": "' + "a" * (10 << 20) + '"}'
    expect_error(port, "10 MB body", 413, big, "request_too_large", path="/v1/completions")

    st, data = request(port, "POST", "/v1/chat/completions",
                       chat_body(frobnicate=True, logit_bias={"1": 2}, user="u"))
    check("unknown fields ignored: 200", st == 200 and "choices" in json.loads(data), data[:200])
    st, data = request(port, "POST", "/v1/chat/completions",
                       chat_body(messages=[{"role": "user", "content": "caf\u00e9 \udcff"}]))
    check("odd unicode in content: answered", st in (200, 400), (st, data[:200]))
    st, data = request(port, "POST", "/v1/chat/completions",
                       b'{"model":"libgpt2","max_tokens":2,"messages":[{"role":"user",'
                       b'"content":"\xff\xfe bad utf-8"}]}')
    check("invalid UTF-8 in content: answered with JSON", st in (200, 400) and json.loads(data),
          (st, data[:200]))
    st, data = request(port, "POST", "/v1/chat/completions", chat_body(stop=["\n", "User"],
                                                                       max_tokens=30))
    check("stop strings: 200", st == 200 and "User" not in
          json.loads(data)["choices"][0]["message"]["content"], data[:300])
    check("server still serving after the faults", serving(port))


def metric(port, name):
    st, data = request(port, "GET", "/metrics")
    line = [x for x in data.decode().split("\n") if x.startswith(name + " ")]
    return int(line[0].split()[1]) if line else None


def disconnect_mid_stream(port):
    """A greedy 2000-token stream of the tiny llama (no eos in it: kiln generate gives all
    2000 for this prompt) takes the server a good part of a second; the client hangs up after
    the first bytes, so the server's next writes fail and the request must be cancelled."""
    def send_long(stream):
        body = json.dumps({"model": "libllama", "max_tokens": 2000, "temperature": 0,
                           "messages": [{"role": "user", "content": "Hello"}],
                           "stream": stream}).encode()
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
                  + body)
        return s

    def wait_cancelled(n):
        """(cancelled count, running sequences) once n are cancelled and none runs, or at 30 s."""
        deadline = time.monotonic() + 30
        while True:
            got = (metric(port, "kiln_requests_cancelled_total"),
                   metric(port, "kiln_running_sequences"))
            if got == (n, 0) or time.monotonic() > deadline:
                return got
            time.sleep(0.02)

    s = send_long(True)
    got = s.recv(200)
    s.close()
    check("disconnect: the stream had started", got.startswith(b"HTTP/1.1 200"), got[:80])
    got = wait_cancelled(1)
    check("disconnect: the request is cancelled, its slot freed", got == (1, 0), got)
    gen = metric(port, "kiln_generation_tokens_total")
    check("disconnect: generation stopped early", gen is not None and gen < 2000, gen)
    # The same request without streaming: the client sends it and hangs up at once; the
    # handler's poll of the socket notices and cancels.
    s = send_long(False)
    time.sleep(0.05)
    s.close()
    got = wait_cancelled(2)
    check("disconnect while waiting (not streaming): cancelled", got == (2, 0), got)
    gen2 = metric(port, "kiln_generation_tokens_total")
    check("disconnect while waiting: generation stopped early", gen2 - gen < 2000, (gen, gen2))
    st, data = request(port, "POST", "/v1/chat/completions",
                       {"model": "libllama", "messages": [{"role": "user", "content": "Hi"}],
                        "max_tokens": 4})
    check("disconnect: server still serving", st == 200, (st, data[:200]))


def concurrent(port, n, body, statuses):
    results, lock = [], threading.Lock()

    def one():
        try:
            st, data = request(port, "POST", "/v1/chat/completions", body)
            ok = st == 200 and json.loads(data)["choices"] or st == 503 and is_error(data,
                                                                                   "queue_full")
            with lock:
                results.append(st if ok else (st, data[:200]))
        except Exception as e:  # noqa: BLE001
            with lock:
                results.append(repr(e))

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def sigterm_under_load(srv):
    """8 clients mid-request (streams and not) when SIGTERM comes: each must get its complete
    answer; the server then exits 0."""
    port, results, lock = srv.port, [], threading.Lock()
    started = threading.Barrier(9)

    def streamer(k):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            c.request("POST", "/v1/chat/completions",
                      json.dumps(chat_body(stream=k % 2 == 0, max_tokens=120, temperature=1.0,
                                           seed=k)), {"Content-Type": "application/json"})
            r = c.getresponse()
            started.wait(30)
            data = r.read()
            ok = r.status == 200 and (data.rstrip().endswith(b"data: [DONE]") if k % 2 == 0
                                      else json.loads(data)["choices"][0]["finish_reason"] in
                                      ("stop", "length"))
            with lock:
                results.append(True if ok else (r.status, data[-200:]))
        except Exception as e:  # noqa: BLE001
            with lock:
                results.append(repr(e))
            started.abort()

    threads = [threading.Thread(target=streamer, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    try:
        started.wait(60)
    except threading.BrokenBarrierError:
        pass
    srv.stop("under load")
    for t in threads:
        t.join()
    check("SIGTERM under load: all 8 requests completed", results == [True] * 8, results)
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        refused = False
    except OSError:
        refused = True
    check("after SIGTERM: connections refused", refused)


def command_line(tmp):
    import subprocess
    from serve_util import KILN

    def run(*args):
        return subprocess.run([KILN, "serve"] + list(args), capture_output=True, text=True)
    r = run("--help")
    check("serve --help", r.returncode == 0 and r.stdout.startswith("usage: kiln serve"))
    for label, args, msg in [("no model", [], "no model folder"),
                             ("port too large", ["x", "--port", "70000"], "at most 65535"),
                             ("max-batch 0", ["x", "--max-batch", "0"], "--max-batch"),
                             ("unknown option", ["x", "--frob"], "unknown option '--frob'"),
                             ("missing library", [os.path.join(tmp, "none.so")], "cannot load")]:
        r = run(*args)
        check("command line: " + label, r.returncode == 1 and msg in r.stderr, r.stderr)


def main():
    tmp = tmpdir("serve-faults")
    command_line(tmp)
    lib = compile_gpt2(tmp)
    srv = Server(lib, "--max-batch", "4", tmp=tmp)
    try:
        faults(srv.port)
        res = concurrent(srv.port, 50, chat_body(max_tokens=8), None)
        check("50 concurrent connections: all 200", res == [200] * 50, res[:5])
        check("after 50 connections: still serving", serving(srv.port))
    finally:
        srv.stop("faults server")

    srv = Server(lib, "--max-batch", "1", "--max-queue", "1", tmp=tmp)
    try:
        res = concurrent(srv.port, 12, chat_body(max_tokens=60, temperature=1.0), None)
        check("full queue: 503 queue_full, the rest 200", all(r in (200, 503) for r in res) and
              503 in res and 200 in res, res)
        check("after a full queue: still serving", serving(srv.port))
    finally:
        srv.stop("small queue server")

    llama = compile_model(tmp, "llama")
    srv = Server(llama, tmp=tmp, tokenizer=os.path.join(os.path.dirname(GPT2), "llama",
                                                         "tokenizer.json"))
    try:
        disconnect_mid_stream(srv.port)
    finally:
        srv.stop("llama server")

    srv = Server(lib, "--max-batch", "2", tmp=tmp)
    sigterm_under_load(srv)
    finish()


main()
