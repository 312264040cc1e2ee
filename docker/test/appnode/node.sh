#!/bin/sh
# Test node: reads the app cluster env contract (NODE_ID, NODE_NAME, HTTP_ADDR, RAFT_ADDR,
# JOIN_ADDR, DATA_DIR) and serves, on HTTP_ADDR's port (and KV_PORT, default 9080):
#   /health            "ok"
#   /env               its environment, one VAR=value per line
#   /cgi-bin/data      boots=<starts on this volume> and marker=<DATA_DIR/marker>
#   /cgi-bin/cluster   the members registered with this node (node 1: everyone who joined)
#   /cgi-bin/join?n=X  registers member X (what joiners call on JOIN_ADDR)
set -eu
DATA_DIR="${DATA_DIR:-/data}"
mkdir -p /www/cgi-bin "$DATA_DIR"
env | sort > /www/env
echo ok > /www/health
boots=$(( $(cat "$DATA_DIR/boots" 2>/dev/null || echo 0) + 1 ))
echo "$boots" > "$DATA_DIR/boots"
touch "$DATA_DIR/members"
grep -qx "$NODE_NAME" "$DATA_DIR/members" || echo "$NODE_NAME" >> "$DATA_DIR/members"
# CGI scripts get DATA_DIR baked in (httpd does not promise to pass the environment on).
cat > /www/cgi-bin/data <<CGI
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
echo "boots=\$(cat $DATA_DIR/boots)"
echo "marker=\$(cat $DATA_DIR/marker 2>/dev/null)"
CGI
cat > /www/cgi-bin/cluster <<CGI
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
cat $DATA_DIR/members
CGI
cat > /www/cgi-bin/join <<CGI
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
name=\$(echo "\$QUERY_STRING" | sed -n 's/^n=\([A-Za-z0-9_.-]*\)\$/\1/p')
[ -n "\$name" ] && { grep -qx "\$name" $DATA_DIR/members || echo "\$name" >> $DATA_DIR/members; }
cat $DATA_DIR/members
CGI
chmod +x /www/cgi-bin/*
if [ -n "${JOIN_ADDR:-}" ]; then
  # Join in the background, bounded: 120 tries, 1 s apart.
  ( i=0; until wget -q -O /dev/null "http://$JOIN_ADDR/cgi-bin/join?n=$NODE_NAME"; do i=$((i+1)); [ $i -ge 120 ] && exit 1; sleep 1; done ) &
fi
busybox httpd -p "${KV_PORT:-9080}" -h /www
exec busybox httpd -f -p "${HTTP_ADDR##*:}" -h /www
