# Sourced by the service scripts.
# proc_alive PID COMM_PREFIX: process exists, is not a zombie, and its name
# starts with COMM_PREFIX. (Zombies matter: in containers whose PID 1 does not
# reap, a killed daemon lingers as <defunct> and kill -0 still succeeds.)
proc_alive() {
  local pid="$1" want="$2" stat state
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
  state="${stat##*) }"; state="${state%% *}"
  [[ "$state" != Z && "$state" != X ]] || return 1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$want"* ]]
}
