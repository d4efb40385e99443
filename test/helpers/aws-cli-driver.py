# Runs AWS CLI commands in one Python process: its own driver (argument parsing, botocore model,
# error handling and output) for each command, without a Python start per command (~1 CPU-s each).
# Reads one JSON object per line, {"argv": [...], "env": {...}}, and answers each with one line,
# {"code": N, "stdout": "...", "stderr": "..."}, after a first line {"ready": true}; exits 3 instead
# when the CLI cannot be imported.
import io
import json
import os
import sys

try:
    from awscli.clidriver import create_clidriver
except ImportError as error:
    sys.stderr.write(f"awscli is not importable here: {error}\n")
    sys.exit(3)

# Importing the CLI puts its own data directory into AWS_DATA_PATH; every command keeps it.
own = {key: os.environ[key] for key in ("AWS_DATA_PATH",) if key in os.environ}
answers = sys.stdout
# The first line says the CLI imported: only then does the caller send it commands.
answers.write('{"ready": true}\n')
answers.flush()
drivers = {}
for line in sys.stdin:
    request = json.loads(line)
    os.environ.clear()
    os.environ.update(request["env"], **own)
    # A driver per environment: it reads the environment when made, and loading the service
    # models again for every command cost a quarter second each.
    key = json.dumps(request["env"], sort_keys=True)
    if key not in drivers:
        drivers[key] = create_clidriver()
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    sys.stdout, sys.stderr = out, err
    try:
        code = drivers[key].main(request["argv"])
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 1
    finally:
        sys.stdout, sys.stderr = answers, sys.__stderr__
    answer = {
        "code": code,
        "stdout": out.buffer.getvalue().decode("utf-8"),
        "stderr": err.buffer.getvalue().decode("utf-8"),
    }
    answers.write(json.dumps(answer) + "\n")
    answers.flush()
