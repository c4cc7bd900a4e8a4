#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# docs/state.schema.json and the validator (vnicctl validate, user/lib/state*.c)
# agree (issue 18):
#
#   - the schema is a valid draft 2020-12 schema (Debian 12's
#     python3-jsonschema, /usr/bin/python3: tools/install-deps);
#   - every document of the repository that vnicctl validate accepts passes
#     the schema: user/tests/data/*.json, the example of docs/state-format.md
#     and of vnicgw-state(5), and the canonical form (vnicctl -j validate) of
#     each;
#   - at every level the schema's keys are the validator's, read from its
#     "unknown key ... (known: ...)" refusal as test_man.sh does;
#   - a corpus of single-field mutations of user/tests/data/example.json,
#     generated FROM THE SCHEMA (every object, every property the schema
#     lists: removed, replaced by each JSON type, numbers just inside and
#     outside their bounds, strings off their pattern or enum, arrays below
#     and above their bounds, an unknown key): whatever the schema refuses,
#     vnicctl validate refuses (exit 1) with a message that starts with the
#     path of the object and names the field; equivalently, whatever
#     vnicctl validate accepts, the schema accepts. And the schema is not
#     looser where it can be exact: a value at a bound, an enum value or an
#     optional field removed, which the schema takes, vnicctl validate
#     takes too;
#   - a corpus of spellings (addresses, prefixes, MACs, ports, protocols,
#     ids) is judged the same way by both, in both directions.
#
# The other mutations the schema accepts are not given to the validator
# (that keeps the test within ~15 s); VGW_SCHEMA_VERBOSE=1 gives them too
# and lists those it refuses: they should all be rules a schema cannot state
# (docs/state-format.md, "checked by vnicctl validate only").
# VGW_SCHEMA=FILE checks another schema (e.g. one with a planted bug).
# Run as build/tests/test_schema (make tests).
set -u
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/selftests/lib.sh"
BIN=$top/build/bin
SCHEMA=${VGW_SCHEMA:-$top/docs/state.schema.json}
PY=/usr/bin/python3

WORK=$(mktemp -d /tmp/vgwt-schema.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

tap_begin
[ -x "$BIN/vnicctl" ] || { echo "Bail out! no $BIN/vnicctl (make)"; exit 1; }
"$PY" -c 'import jsonschema' 2>/dev/null ||
	{ echo "Bail out! $PY has no jsonschema (tools/install-deps: python3-jsonschema)"; exit 1; }

# The checks are written in Python (one process: the schema is compiled
# once); each prints "ok|not ok<TAB>description" and diagnostics as lines
# starting with "#", which become TAP here.
"$PY" - "$SCHEMA" "$BIN/vnicctl" "$top" "$WORK" >"$WORK/results" 2>&1 <<'PY'
import copy, glob, json, os, re, subprocess, sys

schema_path, vnicctl, top, work = sys.argv[1:5]
import jsonschema

verbose = os.environ.get("VGW_SCHEMA_VERBOSE") == "1"

def result(good, desc, diag=()):
    print(("ok" if good else "not ok") + "\t" + desc)
    for d in diag:
        for line in str(d).splitlines():
            print("#\t" + line)
    sys.stdout.flush()

try:
    schema = json.load(open(schema_path))
    jsonschema.Draft202012Validator.check_schema(schema)
    result(True, "the schema is a valid draft 2020-12 JSON Schema")
except Exception as e:
    result(False, "the schema is a valid draft 2020-12 JSON Schema", [e])
    sys.exit(0)
V = jsonschema.Draft202012Validator(schema)

def schema_ok(doc):
    return V.is_valid(doc)

def schema_ok_at(doc, path):
    """The verdict on doc, which differs from the valid base document only
    inside the top-level object at path: that object alone (every rule of
    the schema lies within one top-level object) is much faster."""
    if len(path) < 2:
        return V.is_valid(doc)
    return V.is_valid({path[0]: [get(doc, path[:2])]})

def schema_errors(doc):
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message[:200])
            for e in V.iter_errors(doc)]

nfile = [0]
def validate_text(text):
    """(exit status, message) of vnicctl validate on the text."""
    nfile[0] += 1
    f = os.path.join(work, "doc%d.json" % nfile[0])
    with open(f, "w") as fh:
        fh.write(text)
    p = subprocess.run([vnicctl, "validate", f], capture_output=True, text=True)
    os.unlink(f)
    msg = (p.stderr + p.stdout).strip()
    msg = re.sub(r"^vnicctl validate: ", "", msg)
    return p.returncode, msg

def validate(doc):
    return validate_text(json.dumps(doc))

# --- the repository's valid documents -------------------------------------
docs = []
for f in sorted(glob.glob(os.path.join(top, "user/tests/data/*.json"))):
    docs.append((os.path.relpath(f, top), open(f).read()))
md = open(os.path.join(top, "docs/state-format.md")).read()
for i, block in enumerate(re.findall(r"```json\n(.*?)```", md, re.S)):
    docs.append(("docs/state-format.md example %d" % (i + 1), block))
man = open(os.path.join(top, "docs/man/vnicgw-state.5")).read()
ex = re.search(r"^\.SH EXAMPLES\n(.*?)^\.SH", man, re.S | re.M)
for block in re.findall(r"^\.EX\n(.*?)^\.EE", ex.group(1) if ex else "", re.S | re.M):
    docs.append(("vnicgw-state.5 EXAMPLES", block.replace("\\-", "-")))
n_valid = 0
for name, text in docs:
    rc, msg = validate_text(text)
    if rc != 0:
        print("#\t%s: refused by vnicctl validate, not used: %s" % (name, msg))
        continue
    n_valid += 1
    doc = json.loads(text)
    result(schema_ok(doc), "%s (accepted by vnicctl validate) passes the schema" % name,
           schema_errors(doc))
    f = os.path.join(work, "canon.json")
    open(f, "w").write(text)
    canon = json.loads(subprocess.run([vnicctl, "-j", "validate", f],
                                      capture_output=True, text=True, check=True).stdout)
    result(schema_ok(canon), "%s: its canonical form (vnicctl -j validate) passes the schema" % name,
           schema_errors(canon))
result(n_valid >= 4, "at least 4 valid documents found (%d)" % n_valid)

# --- walking the schema along a document -------------------------------------
def resolve(s):
    while "$ref" in s:
        assert s["$ref"].startswith("#/$defs/")
        s = schema["$defs"][s["$ref"][8:]]
    return s

def subschemas(s):
    """s and what it refers to or combines (anyOf/allOf), resolved."""
    s = resolve(s)
    out = [s]
    for k in ("anyOf", "allOf", "oneOf"):
        for sub in s.get(k, []):
            out += subschemas(sub)
    return out

def get(doc, path):
    for k in path:
        doc = doc[k]
    return doc

def path_str(path):
    out = ""
    for k in path:
        out += "[%d]" % k if isinstance(k, int) else ("." if out else "") + k
    return out or "document"

base = json.load(open(os.path.join(top, "user/tests/data/example.json")))
assert validate(base)[0] == 0 and schema_ok(base)

# Every object of the base document with the schema that describes it, one
# of each kind: schema, type (gateways) and the keys it has.
objects = []
kinds = set()
def collect(inst, s, path):
    s = resolve(s)
    if isinstance(inst, dict) and "properties" in s:
        kind = (id(s), inst.get("type"), tuple(sorted(inst)))
        if kind not in kinds:
            kinds.add(kind)
            objects.append((path, s))
        for k, v in inst.items():
            if k in s["properties"]:
                collect(v, s["properties"][k], path + [k])
    elif isinstance(inst, list) and "items" in s:
        for i, v in enumerate(inst):
            collect(v, s["items"], path + [i])
collect(base, schema, [])

# --- the keys at each level ---------------------------------------------------
def known(path):
    doc = copy.deepcopy(base)
    get(doc, path)["zz_unknown"] = 1
    rc, msg = validate(doc)
    m = re.search(r'unknown key "zz_unknown" \(known: (.*)\)$', msg)
    return sorted(m.group(1).split(", ")) if m else None
seen = set()
for path, s in objects:
    key = id(s)
    if key in seen:
        continue
    seen.add(key)
    k = known(path)
    have = sorted(s["properties"])
    result(k == have, "the schema's keys at %s are the validator's (%s)" %
           (path_str(path), " ".join(k or ["?"])),
           [] if k == have else ["validator: %s" % k, "schema:    %s" % have])
result(len(seen) >= 11, "every kind of object compared (%d)" % len(seen))

# --- the mutations -----------------------------------------------------------
# One value of each JSON type; a few strings that no field takes.
OTHER_TYPES = [None, True, 7, "zz", [], {}]
BAD_STRINGS = ["", "\u00e9", "a b"]

mutated = set()
def mutations(path, s):
    """(field, description, doc) for the object at path, whose schema is s.
    Another object of a kind already mutated gets only the mutations of the
    fields that its schema's conditionals (allOf, dependentRequired) name:
    those depend on the rest of the object."""
    obj = get(base, path)
    cond = json.dumps([s.get("allOf"), s.get("dependentRequired")])
    again = id(s) in mutated
    mutated.add(id(s))
    for field, fs in s["properties"].items():
        if again and '"%s"' % field not in cond:
            continue
        present = field in obj
        if present:
            d = copy.deepcopy(base)
            del get(d, path)[field]
            yield field, "removed", d, bool(path)	# (top-level lists are referred to)
        cands = list(OTHER_TYPES)
        exact = []	# values the validator must take if the schema does
        for sub in subschemas(fs):
            if sub.get("type") == "string" or "enum" in sub:
                cands += BAD_STRINGS
            if sub.get("pattern", "").startswith("^[A-Za-z0-9._-]"):
                cands += ["a" * 63, "a" * 64]
            for e in sub.get("enum", []):
                if isinstance(e, str):
                    cands += [e, e.upper(), e + "x"]
                    exact.append(e)
            if sub.get("type") == "integer":
                cands.append(1.5)
            if "minimum" in sub:
                cands += [sub["minimum"] - 1, sub["minimum"]]
                exact.append(sub["minimum"])
            if "maximum" in sub:
                cands += [sub["maximum"], sub["maximum"] + 1]
                exact.append(sub["maximum"])
            if sub.get("type") == "array" and present:
                cur = obj[field]
                item = cur[0] if cur else None
                if item is not None:
                    for n in (sub.get("minItems", 0) - 1, sub.get("maxItems", 0) + 1):
                        if 0 <= n <= 2000:
                            cands.append([copy.deepcopy(item) for _ in range(n)])
                    cands.append(cur + [copy.deepcopy(item)])
                    if not isinstance(item, dict):
                        for c in [None, 7, "zz", {}, "", item + " "]:
                            cands.append([c] + cur[1:])
            if sub.get("type") == "object" and isinstance(
                    sub.get("additionalProperties"), dict) and present:
                # a map (services): names and values off their schema
                cur = obj[field]
                name, val = next(iter(cur.items()))
                for c in BAD_STRINGS + ["a" * 63, "a" * 64]:
                    m = dict(cur)
                    m[c] = val
                    cands.append(m)
                for c in OTHER_TYPES + [[val[0], val[0]], ["zz"]]:
                    m = dict(cur)
                    m[name] = c
                    cands.append(m)
                cands.append({})
        if present and isinstance(obj[field], str):
            v = obj[field]
            cands += [v + " ", v + "\n", v + "x"]
        done = set()
        for c in cands:
            k = json.dumps(c, sort_keys=True)
            if k in done or (present and c == obj[field]):
                continue
            done.add(k)
            d = copy.deepcopy(base)
            get(d, path)[field] = c
            yield field, "= " + (k if len(k) < 60 else k[:57] + "..."), d, \
                any(c == e and type(c) == type(e) for e in exact)
    if not again:
        d = copy.deepcopy(base)
        get(d, path)["zz_unknown"] = 1
        yield "zz_unknown", "an unknown key", d, False

def again_only(path, s):
    return objects.index((path, s)) != [id(o[1]) for o in objects].index(id(s))

n_mut = n_refused = 0
looser = []
for path, s in objects:
    where = path_str(path)
    bad = []
    nobj = 0
    for field, what, doc, edge in mutations(path, s):
        n_mut += 1
        sch = schema_ok_at(doc, path)
        if sch and not verbose and not edge:
            continue
        nobj += not sch	# only the schema's refusals are checked
        rc, msg = validate(doc)
        desc = "%s.%s %s" % (where, field, what)
        if rc not in (0, 1):
            bad.append("%s: vnicctl validate exited %d: %s" % (desc, rc, msg))
        elif rc == 0 and not sch:
            bad.append("%s: vnicctl validate accepts it, the schema refuses it: %s" %
                       (desc, schema_errors(doc)[0][:160]))
        elif not sch:
            n_refused += 1
            # the message starts with the path of the object...
            p = re.escape(where) if path else "(document|%s)" % re.escape(field)
            if not re.match(p + r"(\.|:|\[)", msg):
                bad.append("%s: the refusal does not start with %s: %s" % (desc, where, msg))
            # ... and names the field (or, for a field that depends on
            # another, that other field of the same object)
            elif field not in msg and not any(
                    re.match(p + r"(\.%s\b|:.*\b%s\b)" % (re.escape(f), re.escape(f)), msg)
                    for f in s["properties"]):
                bad.append("%s: the refusal names no field: %s" % (desc, msg))
        elif rc == 1 and edge:
            bad.append("%s: the schema takes it (a bound, an enum value, an optional field), vnicctl validate refuses it: %s" %
                       (desc, msg))
        elif rc == 1:
            looser.append("%s: %s" % (desc, msg))
    if again_only(path, s) and not nobj and not bad:
        continue
    result(not bad, "%s: every mutation the schema refuses (%d), vnicctl validate refuses, naming the field" % (where, nobj),
           bad)
result(n_refused >= 400, "%d mutations, %d refused by the schema (and the validator)" % (n_mut, n_refused))
if verbose:
    print("#\t%d mutations the schema accepts are refused by vnicctl validate (rules a schema cannot state)" %
          len(looser))
    for l in looser:
        print("#\t  " + l)

# --- spellings: both must agree, both ways ------------------------------------
# (field path in the base document, [(text, verdict)]); the expected verdict
# is written here and both judges must give it: True (both accept), False
# (both refuse) or ONLY (the schema accepts, vnicctl validate refuses: a
# rule no schema can state, listed in the schema's $comment).
ONLY = "validator-only"
addr_ok = ["192.0.2.99", "0.0.0.0", "255.255.255.255", "2001:db8::99", "2001:DB8::9",
           "::", "::1", "1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
           "0001:0db8::0099", "::1.2.3.4", "64:ff9b::192.0.2.1", "1:2:3:4:5:6:1.2.3.4",
           "::ffff:0:1.2.3.4", "::fffe:1.2.3.4", "0:0:0:0:0:fffe::", "0:0:0:0:1:ffff::",
           "ffff::", "::ffff", "::ffff:1", "::ffff:0"]
addr_bad = ["192.0.2", "192.0.2.1.1", "192.000.2.1", "192.0.2.01", "192.0.2.256",
            "1.2.3.4/32", " 192.0.2.1", "192.0.2.1 ", "192.0.2.1\n", "0x1.2.3.4",
            ":::", "1:::2", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::",
            "::ffff:1.2.3.4", "::FFFF:1.2.3.4", "::ffff:102:304", "0::ffff:0:0",
            "0:0:0:0:0:ffff:0:0", "0:0:0:0:0:ffff::", "::0:ffff:1.2.3.4",
            "0000:0:0:0:0:ffff:1::", "0:0:0:0:0:ffff::1", "1:2:3:4:5:6:7:8::",
            "::1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:1.2.3.4", "fe80::1%eth0", "[::1]",
            "::1.2.3", "::01.2.3.4", "1.2.3.4::", ":1::", "1::2:", ""]
pfx_ok = ["0.0.0.0/0", "10.0.0.0/8", "192.0.2.7/32", "::/0", "2001:db8::/32",
          "2001:db8::1/128", "::fffe:0:0/96", "::/1", "fd00::/8"]
pfx_only = ["10.0.0.1/8", "2001:db8::1/32", "0.0.0.1/0"]
pfx_bad = ["10.0.0.0/33", "10.0.0.0/08", "10.0.0.0/", "10.0.0.0", "/8",
           "10.0.0.0/8/8", "10.0.0.0/-1", "::/129", "::/0128", "::ffff:0:0/96",
           "::ffff:10.0.0.0/104", "10.0.0.0 /8", "10.0.0.0/8 ", "nsg", "10.0.0.0/+8"]
mac_ok = ["02:00:00:00:00:99", "02:AB:cd:EF:01:23", "fe:ff:ff:ff:ff:ff", "0e:00:00:00:00:01"]
mac_bad = ["01:00:5e:00:00:01", "03:00:00:00:00:01", "ff:ff:ff:ff:ff:ff",
           "00:00:00:00:00:00", "02-00-00-00-00-01", "02:00:00:00:00:1",
           "02:00:00:00:00:001", "0200.0000.0001", "02:00:00:00:00:0g",
           "2:00:00:00:00:01", "02:00:00:00:00:01:", "02:00:00:00:00:01 "]
port_ok = [0, 65535, "0", "22", "00022", "65535", "0-65535", "80-443", "1-1", "06553-06553"]
port_bad = [-1, 65536, "65536", "000022", "", "22-", "-22", "22--23", "+22", " 22",
            "22 ", "2 2", "0x16", "1-65536", "22.0", "22\n"]
port_only = [22.0, "22-21"]
proto_ok = ["all", "tcp", "udp", "icmp", "icmpv6", "0", "6", "47", "255", 0, 47, 255]
proto_bad = ["ALL", "Tcp", "256", "047", "00", "-1", "", " 6", "6 ", "ip", 256, -1, "1.0", "6\n"]
proto_only = [6.0]
id_ok = ["a", "A-z_0.9", "a" * 63, "-", "...", "0"]
id_bad = ["", "a" * 64, "a b", "a/b", "a:b", "é", "a\n", " a", "a,b"]

def field_doc(path, val):
    d = copy.deepcopy(base)
    get(d, path[:-1])[path[-1]] = val
    return d

rule_tcp = ["security_lists", 0, "ingress", 0]
assert get(base, rule_tcp)["protocol"] == "tcp"
spell = [
    ("an address (gateway underlay_ip)", ["gateways", 0, "underlay_ip"],
     [(a, True) for a in addr_ok] + [(a, False) for a in addr_bad]),
    ("a prefix (ingress source)", rule_tcp + ["source"],
     [(a, True) for a in pfx_ok] + [(a, False) for a in pfx_bad] +
     [(a, ONLY) for a in pfx_only]),
    ("a MAC (vnic mac)", ["vnics", 0, "mac"],
     [(a, True) for a in mac_ok] + [(a, False) for a in mac_bad]),
    ("ports (tcp dst_ports)", rule_tcp + ["dst_ports"],
     [(a, True) for a in port_ok] + [(a, False) for a in port_bad] +
     [(a, ONLY) for a in port_only]),
    ("a protocol (rule to an NSG, without ports)", ["nsgs", 0, "ingress", 0, "protocol"],
     [(a, True) for a in proto_ok] + [(a, False) for a in proto_bad] +
     [(a, ONLY) for a in proto_only]),
    ("a subnet's prefix (room for a host)", ["subnets", 0, "cidr"],
     [("10.1.0.0/23", True), ("10.1.0.0/16", True), ("10.1.1.0/31", False),
      ("10.1.1.0/32", False), ("10.1.1.0/30", ONLY), ("fd00::/127", False),
      ("fd00::/128", False), ("fd00::/126", ONLY)]),
    ("an id (route table id)", ["route_tables", 0, "id"],
     [(a, True) for a in id_ok] + [(a, False) for a in id_bad]),
]
for what, path, cases in spell:
    assert path[-1] in get(base, path[:-1]) or path[-1] == "mac"
    # the route table's id is referenced: rename its references too
    bad = []
    for text, want in cases:
        d = field_doc(path, text)
        if path[:2] == ["nsgs", 0]:
            r = get(d, path[:-1])
            r["source"] = "nsg:" + base["nsgs"][0]["id"]
            r.pop("dst_ports", None)
        if path[:2] == ["route_tables", 0] and path[-1] == "id":
            for sn in d["subnets"]:
                if sn.get("route_table") == base["route_tables"][0]["id"]:
                    sn["route_table"] = text
        sch = schema_ok(d)
        rc, msg = validate(d)
        if sch != (want is not False) or (rc == 0) != (want is True):
            bad.append("%s: expected %s; schema: %s, vnicctl validate: %s" %
                       (json.dumps(text), {True: "valid", False: "invalid", ONLY: ONLY}[want],
                        "valid" if sch else "invalid", "valid" if rc == 0 else msg))
    result(not bad, "%s: %d spellings, the schema and vnicctl validate agree with each other and with the list" %
           (what, len(cases)), bad)
PY
rc=$?
[ -s "$WORK/results" ] || { echo "Bail out! the checks printed nothing (exit $rc)"; exit 1; }
while IFS= read -r line; do
	case $line in
	"ok	"*) ok "${line#ok	}" ;;
	"not ok	"*) not_ok "${line#not ok	}" ;;
	"#	"*) echo "#   ${line#\#	}" ;;
	*) not_ok "the checks: $line" ;;
	esac
done <"$WORK/results"
[ "$rc" -eq 0 ] || not_ok "the checks exited $rc"

tap_end
