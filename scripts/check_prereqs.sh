#!/bin/sh
# One clear line when a prerequisite of `make demo` / `make test` is missing: Python 3.11+ with venv, Java 17+.
py=${PYTHON:-python3}
if ! command -v "$py" >/dev/null 2>&1; then
  echo "error: Python 3.11 or newer is required: '$py' was not found on the PATH"; exit 1
fi
if ! found=$("$py" -c 'import sys; print("Python %d.%d.%d" % sys.version_info[:3])' 2>/dev/null); then
  echo "error: Python 3.11 or newer is required: '$py' ($(command -v "$py")) does not run (set PYTHON=...)"; exit 1
fi
if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "error: Python 3.11 or newer is required, found $found at $(command -v "$py") (set PYTHON=...)"; exit 1
fi
if ! "$py" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "error: $("$py" -V 2>&1) has no venv/ensurepip module: install it (Debian/Ubuntu: apt-get install python3-venv)"; exit 1
fi
java=java
if [ -n "$JAVA_HOME" ]; then
  java="$JAVA_HOME/bin/java"
  if ! [ -x "$java" ]; then
    echo "error: JAVA_HOME=$JAVA_HOME holds no bin/java: point it at a Java 17+ installation, or unset it"; exit 1
  fi
fi
if ! command -v "$java" >/dev/null 2>&1; then
  echo "error: Java 17 or newer is required by Spark and was not found: install a JDK/JRE 17+ (Debian/Ubuntu: apt-get install openjdk-17-jre-headless)"; exit 1
fi
version=$("$java" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\)\(\.\([0-9]*\)\)\{0,1\}.*/\1 \3/p' | head -n 1)
major=${version%% *}
[ "$major" = "1" ] && major=${version#* }
if [ -z "$major" ] || [ "$major" -lt 17 ]; then
  echo "error: Java 17 or newer is required by Spark, found Java ${major:-unknown} at $(command -v "$java")"; exit 1
fi
