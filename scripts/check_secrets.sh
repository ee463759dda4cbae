#!/usr/bin/env bash
# check_secrets.sh - fails when a file under DIR holds one of the secrets listed in LIST.
# Usage: scripts/check_secrets.sh DIR LIST [EXCLUDE_NAME]
# Prints the line number of the secret in LIST and the files, never the secret itself.
set -u
dir=$1
list=$2
exclude=${3:-}
found=0
n=0
checked=0
while IFS= read -r secret || [ -n "$secret" ]; do
  n=$((n + 1))
  if [ -z "$secret" ] || [[ "$secret" == \#* ]]; then
    continue
  fi
  checked=$((checked + 1))
  files=$(grep -rlaF ${exclude:+--exclude="$exclude"} -e "$secret" "$dir" 2>/dev/null)
  if [ -n "$files" ]; then
    echo "the secret on line $n of $list appears in:"
    sed 's/^/  /' <<<"$files"
    found=1
  fi
done <"$list"
if [ "$checked" -eq 0 ]; then
  echo "no secrets read from $list"
  exit 1
fi
echo "$checked secrets checked against $(find "$dir" -type f | wc -l) files under $dir"
exit $found
