# bench/regress/env.sh — sourced by the regress and growth scripts (sh).
# sw_env BUILD_DIR/CMakeCache.txt sets what measurements depend on:
#   SW_COMPILER    "GNU 12.2.0" (CMAKE_C_COMPILER_ID and _VERSION)
#   SW_BUILD_TYPE  CMAKE_BUILD_TYPE ("Release")
#   SW_C_FLAGS     the flags sw_engine is compiled with (Makefile or Ninja
#                  generator) less the warning flags (-W...), which do not
#                  change code; "unknown" when they cannot be found
#   SW_MACHINE     CPU model and the number of CPUs, from /proc/cpuinfo
# shellcheck disable=SC2034 # the variables are for the scripts that source this
sw_env() {
  _dir=$(dirname "$1")
  SW_BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$1")
  SW_COMPILER=unknown
  for _f in "$_dir"/CMakeFiles/*/CMakeCCompiler.cmake; do
    [ -e "$_f" ] || continue
    SW_COMPILER="$(sed -n 's/^set(CMAKE_C_COMPILER_ID "\(.*\)")/\1/p' "$_f") $(sed -n 's/^set(CMAKE_C_COMPILER_VERSION "\(.*\)")/\1/p' "$_f")"
  done
  SW_C_FLAGS=unknown
  if [ -e "$_dir/engine/CMakeFiles/sw_engine.dir/flags.make" ]; then
    SW_C_FLAGS=$(sed -n 's/^C_FLAGS = //p' "$_dir/engine/CMakeFiles/sw_engine.dir/flags.make")
  elif [ -e "$_dir/build.ninja" ]; then
    SW_C_FLAGS=$(awk '/^build engine\/CMakeFiles\/sw_engine.dir\// {f = 1}
                     f && /^  FLAGS = / {sub(/^  FLAGS = /, ""); print; exit}' "$_dir/build.ninja")
  fi
  SW_C_FLAGS=$(printf '%s\n' "$SW_C_FLAGS" | sed 's/ *-W[^ ]*//g; s/^ *//')
  SW_MACHINE="$(sed -n 's/^model name[^:]*: *//p' /proc/cpuinfo 2>/dev/null | head -n 1) x $(nproc 2>/dev/null || echo '?')"
}
