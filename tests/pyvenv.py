"""Python packages for the tests that need them (the openai client, numpy, pillow): imported
from the running interpreter when it has them, else pip-installed into a venv in the build
folder (KILN_BINARY_DIR/NAME) on first use and the test re-run under it. Without pip or the
package registry the test is skipped with exit status 77 (ctest's SKIP_RETURN_CODE)."""
import os
import subprocess
import sys


def ensure(name, modules, packages):
    """Makes `import m` work for every m of modules, installing packages into venv `name`."""
    check = "import " + ", ".join(modules)
    try:
        exec(check, {})
        return
    except ImportError:
        pass
    venv = os.path.join(os.environ["KILN_BINARY_DIR"], name)
    vpy = os.path.join(venv, "bin", "python")
    if os.path.realpath(sys.prefix) != os.path.realpath(venv):
        try:
            if not os.path.exists(vpy):
                subprocess.run([sys.executable, "-m", "venv", venv], check=True)
            if subprocess.run([vpy, "-c", check], capture_output=True).returncode != 0:
                subprocess.run([vpy, "-m", "pip", "install", "-q", *packages], check=True)
        except (subprocess.CalledProcessError, OSError) as e:
            print("SKIP: cannot pip-install %s into %s (%s)" % (" ".join(packages), venv, e))
            sys.exit(77)
        os.execv(vpy, [vpy] + sys.argv)
    print("SKIP: %s missing from %s" % (" ".join(packages), venv))
    sys.exit(77)
