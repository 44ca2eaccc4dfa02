// The Node example runner, run INSIDE the sandbox as `node HARNESS SPEC RESULTS`.
//
// Copied into the sandbox's work folder and never run by our processes outside it: the host
// side (node_examples.py) only reads this file's text. Node built-ins only, imported before
// any project file loads.
//
// SPEC (JSON): {"timeout_s": number, "jobs": [{"id", "file", "source_name", "examples":
// [{"call", "expected", "raises"}]}]}. Each job is one version of one module (a candidate
// body spliced in), compiled to JavaScript at `file`. The parent runs each job in a child
// process (`node HARNESS --child SPEC JOB START`), which imports the module, reports that
// it loaded, then evaluates each example call (a JavaScript expression) with the module's
// exports in scope, bounded by `timeout_s` (vm's timeout stops a loop; a returned promise
// is awaited as long), and reports one JSON line per example on fd 3. The parent kills a
// child that overruns (a loop in a promise's continuation, a hang while loading) and
// starts a new one at the next example, so one hanging example fails alone. It writes
// RESULTS, one JSON object per line: {"job", "example", "passed", "detail"}.
//
// Comparison: as assert.deepStrictEqual (same prototypes, own enumerable keys, Object.is
// for primitives), except that an expected number that is not an integer matches within a
// small tolerance. `raises X`: the call throws (or its promise rejects with) a value whose
// `name`, or the name of a constructor on its prototype chain, is X.
//
// What the lines say is evidence, not proof: the tested code runs as the same uid.

import { spawn } from "node:child_process";
import { readFileSync, writeFileSync, appendFileSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { inspect } from "node:util";
import vm from "node:vm";

const DETAIL_CHARS = 300;
const SCOPE = "__qlExampleScope";
const HARNESS = fileURLToPath(import.meta.url);

function short(text) {
  return text.length <= DETAIL_CHARS ? text : text.slice(0, DETAIL_CHARS - 3) + "...";
}

function show(value) {
  return inspect(value, { depth: 4, breakLength: Infinity, maxArrayLength: 20 });
}

function near(actual, expected) {
  const tolerance = Math.max(1e-9, 1e-6 * Math.abs(expected));
  return Math.abs(actual - expected) <= tolerance;
}

function equal(actual, expected) {
  if (typeof expected === "number") {
    if (typeof actual !== "number") return false;
    return Number.isInteger(expected) ? Object.is(actual, expected) : near(actual, expected);
  }
  if (expected === null || typeof expected !== "object") return Object.is(actual, expected);
  if (actual === null || typeof actual !== "object") return false;
  if (Object.getPrototypeOf(actual) !== Object.getPrototypeOf(expected)) return false;
  const keys = Object.keys(expected);
  const actualKeys = Object.keys(actual);
  if (keys.length !== actualKeys.length) return false;
  return keys.every((key) => Object.hasOwn(actual, key) && equal(actual[key], expected[key]));
}

function names(error) {
  const found = new Set();
  if (error !== null && (typeof error === "object" || typeof error === "function")) {
    if (typeof error.name === "string") found.add(error.name);
    for (let p = Object.getPrototypeOf(error); p; p = Object.getPrototypeOf(p)) {
      if (p.constructor && typeof p.constructor.name === "string") found.add(p.constructor.name);
    }
  }
  return found;
}

function where(error, sourceName) {
  const stack = error && typeof error.stack === "string" ? error.stack : "";
  const escaped = sourceName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = stack.match(new RegExp(`${escaped}:(\\d+):\\d+`));
  return match ? ` (line ${match[1]})` : "";
}

function describeThrown(error, sourceName) {
  if (error instanceof Error || (error && typeof error === "object" && "message" in error)) {
    return short(`${error.name ?? "Error"}: ${error.message}`) + where(error, sourceName);
  }
  return short(show(error));
}

async function settle(value, timeoutMs) {
  if (!value || typeof value.then !== "function") return value;
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Timeout()), timeoutMs);
  });
  try {
    return await Promise.race([value, late]);
  } finally {
    clearTimeout(timer);
  }
}

class Timeout {}

async function child(specPath, jobIndex, start) {
  const spec = JSON.parse(readFileSync(specPath, "utf-8"));
  const job = spec.jobs[jobIndex];
  const timeoutMs = Math.max(1, Math.round(spec.timeout_s * 1000));
  const report = (line) => writeSync(3, JSON.stringify(line) + "\n");
  for (const name of ["log", "info", "warn", "error", "debug", "trace", "dir", "table"]) {
    console[name] = () => {};
  }
  process.on("uncaughtException", () => {});
  process.on("unhandledRejection", () => {});
  let module;
  try {
    module = await import(pathToFileURL(resolve(job.file)).href);
  } catch (error) {
    for (let i = start; i < job.examples.length; i++) {
      report({ example: i, passed: false, detail: "the module failed to load: " + describeThrown(error, job.source_name) });
    }
    process.exit(0);
  }
  report({ loaded: true });
  const reserved = new Set(["default", "eval", "arguments", "class", "function", "new", "delete", "this", "super", "import", "export", "return", "var", "let", "const", "yield", "await", "enum", "in", "instanceof", "typeof", "void", "with", "if", "else", "for", "while", "do", "switch", "case", "break", "continue", "throw", "try", "catch", "finally", "debugger", "null", "true", "false", "extends", "static"]);
  const exported = Object.keys(module).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && !reserved.has(n));
  globalThis[SCOPE] = module;
  const head = `(({${exported.join(", ")}}) => `;
  for (let i = start; i < job.examples.length; i++) {
    const example = job.examples[i];
    let actual;
    try {
      const code = `${head}(${example.call}))(globalThis.${SCOPE})`;
      actual = await settle(vm.runInThisContext(code, { timeout: timeoutMs, filename: "example.js" }), timeoutMs);
    } catch (error) {
      if (error instanceof Timeout || (error && error.code === "ERR_SCRIPT_EXECUTION_TIMEOUT")) {
        report({ example: i, passed: false, detail: `did not finish within ${spec.timeout_s} s` });
        continue;
      }
      const raised = example.raises;
      if (raised && names(error).has(raised)) {
        report({ example: i, passed: true, detail: `threw ${[...names(error)][0] ?? raised}` });
      } else {
        report({ example: i, passed: false, detail: "threw " + describeThrown(error, job.source_name) });
      }
      continue;
    }
    if (example.raises) {
      report({ example: i, passed: false, detail: `returned ${short(show(actual))}` });
      continue;
    }
    const expected = vm.runInThisContext(`(${example.expected})`);
    report({ example: i, passed: equal(actual, expected), detail: `returned ${short(show(actual))}` });
  }
  process.exit(0);
}

function runChild(specPath, jobIndex, start, job, timeoutS, write) {
  // Resolves with the next example to start from (job.examples.length when done).
  return new Promise((done) => {
    const proc = spawn(process.execPath, [...process.execArgv, HARNESS, "--child", specPath, String(jobIndex), String(start)], {
      stdio: ["ignore", "ignore", "ignore", "pipe"],
    });
    let next = start;
    let loaded = false;
    let buffer = "";
    let finished = false;
    let timer;
    const arm = (seconds) => {
      clearTimeout(timer);
      timer = setTimeout(onTimeout, seconds * 1000);
    };
    const finish = (value) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      done(value);
    };
    const onTimeout = () => {
      proc.kill("SIGKILL");
      if (!loaded) {
        for (let i = next; i < job.examples.length; i++) {
          write(i, false, `the module did not finish loading within ${timeoutS} s`);
        }
        finish(job.examples.length);
      } else {
        write(next, false, `did not finish within ${timeoutS} s`);
        finish(next + 1);
      }
    };
    arm(2 * timeoutS + 1);
    proc.stdio[3].on("data", (chunk) => {
      buffer += chunk.toString("utf-8");
      let cut;
      while ((cut = buffer.indexOf("\n")) >= 0 && next < job.examples.length) {
        const line = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 1);
        let item;
        try {
          item = JSON.parse(line);
        } catch {
          item = { passed: false, detail: "the example's report was unreadable" };
        }
        if (item && item.loaded === true && !loaded) {
          loaded = true;
          arm(timeoutS + 1);
          continue;
        }
        write(next, item.passed === true, String(item.detail));
        next += 1;
        arm(timeoutS + 1);
      }
      if (next >= job.examples.length) {
        proc.kill("SIGKILL");
        finish(next);
      }
    });
    proc.on("close", (code, signal) => {
      if (finished) return;
      if (next >= job.examples.length) return finish(next);
      const how = signal ? `signal ${signal}` : `exit ${code}`;
      if (!loaded) {
        for (let i = next; i < job.examples.length; i++) write(i, false, `the module ended the process while loading (${how})`);
        return finish(job.examples.length);
      }
      write(next, false, `ended the process (${how})`);
      finish(next + 1);
    });
  });
}

async function parent(specPath, resultsPath) {
  const spec = JSON.parse(readFileSync(specPath, "utf-8"));
  writeFileSync(resultsPath, "");
  for (let j = 0; j < spec.jobs.length; j++) {
    const job = spec.jobs[j];
    const write = (index, passed, detail) =>
      appendFileSync(resultsPath, JSON.stringify({ job: job.id, example: index, passed, detail: short(detail) }) + "\n");
    let next = 0;
    while (next < job.examples.length) {
      next = await runChild(specPath, j, next, job, spec.timeout_s, write);
    }
  }
}

if (process.argv[2] === "--child") {
  await child(process.argv[3], Number(process.argv[4]), Number(process.argv[5]));
} else {
  await parent(process.argv[2], process.argv[3]);
}
