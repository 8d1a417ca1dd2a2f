#!/usr/bin/env bash
# The README's five-minute tour, command for command, against a running service:
#   dotnet run --project src/Governance.Api     # in another terminal (or with --demo: the tour uses its own names)
#   bash ops/tour.sh                             # needs curl, jq, GNU date and python3
# GOVERNANCE_URL (default http://127.0.0.1:5080), Governance__DataDirectory and GOVERNANCE_ADMIN_KEY as for the service.
# It stops at the first failure. Run it once per data directory: the names it registers are taken afterwards
# (Governance__DataDirectory=/tmp/governance-tour for a fresh one).
set -euo pipefail
cd "$(dirname "$0")/.."

# --- below: the README's tour, identical (tests/Governance.Api.Tests/Conventions/ReadmeTourTests.cs checks) ---
base=${GOVERNANCE_URL:-http://127.0.0.1:5080}; api=$base/api/v1
curl -fsS --retry 120 --retry-connrefused --retry-delay 1 $base/health/ready; echo   # no key needed; waits for a starting service
test "$(curl -sS -o /dev/null -w '%{http_code}' $api/audit/verify)" = 401         # every other endpoint needs a key
KEY=${GOVERNANCE_ADMIN_KEY:-$(cat "${Governance__DataDirectory:-.governance}/admin.key")}   # generated on first start
H=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/json")

# People (and pipelines) get keys with roles; a key is shown once
SAM=$(curl -fsS "${H[@]}" $api/principals -d '{"name":"sam","roles":["approver"]}' | jq -er .apiKey)
curl -fsS "${H[@]}" $api/principals -d '{"name":"kim","roles":["oncall"]}' | jq -c '{name, roles}'   # on-call rotations take
curl -fsS "${H[@]}" $api/principals -d '{"name":"lee","roles":["oncall"]}' | jq -c '{name, roles}'   # people with the oncall role

# A person can hold several keys: issue a new one (shown once), revoke the old one, and the old one stops working
# on the next request, on every node. Admins change roles with PUT /principals/{name}/roles.
SAM_NEW=$(curl -fsS -X POST -H "Authorization: Bearer $SAM" $api/principals/sam/keys | jq -er .apiKey)
OLD_KEY=$(curl -fsS -H "Authorization: Bearer $SAM_NEW" $api/principals/me | jq -er '.keys[] | select(.current | not) | .keyId')
curl -fsS -X DELETE -H "Authorization: Bearer $SAM_NEW" $api/principals/sam/keys/$OLD_KEY
test "$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $SAM" $api/principals/me)" = 401
SAM=$SAM_NEW

# Register a model, a dataset, an experiment with a run, and the version it produced
curl -fsS "${H[@]}" $api/models -d '{"key":"churn-predictor","name":"Churn predictor","description":"Flags subscribers likely to cancel within 30 days","team":"growth-ml","taskType":"binary-classification","stages":["offline","shadow","canary","production"],"kpis":["retention-rate"]}' | jq -c .
curl -fsS "${H[@]}" $api/datasets/subscriptions/versions -d '{"version":"2026-11-01","uri":"s3://data/subscriptions/2026-11-01","digest":"sha256:9f2c3a4b5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708","rows":850000,"parents":[]}' | jq -c .
EXP=$(curl -fsS "${H[@]}" $api/experiments -d '{"model":"churn-predictor","hypothesis":"Usage trends predict churn better than plan features","kind":"data"}' | jq -er .id)
curl -fsS "${H[@]}" $api/experiments/$EXP/runs -d '{"runId":"run-1","codeCommit":"a1b2c3d","configHash":"cfg-7","params":{"lr":0.1},"seed":42,"datasets":["subscriptions@2026-11-01"],"environment":"python 3.11","metrics":{"auc":0.91},"startedAt":"2026-11-22T08:00:00Z","finishedAt":"2026-11-22T08:40:00Z"}' | jq -c .
curl -fsS "${H[@]}" $api/models/churn-predictor/versions -d "{\"version\":\"1.0.0\",\"artifactUri\":\"s3://models/churn/1.0.0\",\"digest\":\"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\",\"experimentId\":\"$EXP\",\"runId\":\"run-1\",\"trainingDatasets\":[\"subscriptions@2026-11-01\"],\"parents\":[],\"codeCommit\":\"a1b2c3d\",\"config\":{\"threshold\":0.6}}" | jq -c .

# A standard evaluation suite, and an evaluation of the version against it (verdict computed by the server)
curl -fsS "${H[@]}" $api/evaluation-suites -d '{"name":"churn-core","description":"Shared churn metrics","metrics":[{"name":"auc","threshold":0.85,"direction":"higher","maxRegression":0.01},{"name":"latency_ms","threshold":50,"direction":"lower"}],"slices":[{"name":"new-subscribers","metric":"auc","threshold":0.8}]}' | jq -c .
curl -fsS "${H[@]}" $api/evaluations -d '{"model":"churn-predictor","version":"1.0.0","suite":"churn-core","stage":"offline","datasets":["subscriptions@2026-11-01"],"metrics":{"auc":0.91,"latency_ms":12},"slices":{"new-subscribers":{"auc":0.84}},"productMetrics":{"retention_uplift":0.02}}' | jq -c .

# The pipeline that made the dataset reports itself with OpenLineage (the OpenLineage clients' default endpoint is
# api/v1/lineage; gzip is fine): an output whose {namespace}/{name} is a registered dataset's uri *is* that dataset
OL='{"eventType":"COMPLETE","eventTime":"2026-11-01T07:30:00Z","producer":"https://github.com/apache/airflow/tree/providers-openlineage/1.14.0","schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent","run":{"runId":"0193a1c2-5e1f-7c3a-9b2d-4f0e8a6c1d20"},"job":{"namespace":"airflow://prod","name":"subscriptions.snapshot"},"inputs":[{"namespace":"postgres://billing:5432","name":"billing.public.subscriptions"}],"outputs":[{"namespace":"s3://data","name":"subscriptions/2026-11-01"}]}'
printf '%s' "$OL" | gzip -c | curl -fsS "${H[@]}" -H "Content-Encoding: gzip" --data-binary @- $api/lineage | jq -c .

# Where did it come from (through the job that made its data), and what does a bad dataset touch?
curl -fsS "${H[@]}" "$api/lineage?node=model:churn-predictor@1.0.0&direction=upstream&depth=5" | jq -c .
curl -fsS "${H[@]}" $api/datasets/subscriptions/versions/2026-11-01/impact | jq -c .

# Get told when something happens: a signed webhook to a receiver on this machine that checks the signature
# (ops/webhook-receiver.py, python3). The service refuses private addresses unless it runs with
# Governance__Webhooks__AllowPrivateNetworks=true (as for fresh data above); if not, this says why and goes on.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
HOOK=$(curl -sS "${H[@]}" $api/webhooks -d "{\"url\":\"http://127.0.0.1:$PORT/hook\",\"events\":[\"knowledge_note_added\"],\"model\":\"churn-predictor\"}")
RECEIVER=; if SECRET=$(jq -er .secret <<<"$HOOK"); then python3 ops/webhook-receiver.py $PORT "$SECRET" & RECEIVER=$!; else jq -r .detail <<<"$HOOK"; fi

# Write down what only you know (the receiver gets it as a signed knowledge_note_added)
curl -fsS "${H[@]}" $api/models/churn-predictor/notes -d '{"title":"Why 0.6","body":"Chosen with the retention team: above 0.6 the offer costs more than the churn it prevents.","tags":["threshold"]}' | jq -c .
[ -z "$RECEIVER" ] || wait $RECEIVER   # "webhook …: knowledge_note_added on model-churn-predictor, signature ok"

# Policy as code (JSON or YAML), then move the version on from its entry stage (offline, where every version
# starts): request, approve (not by the requester), deploy. Retries with the same Idempotency-Key are safe.
curl -fsS -X PUT -H "Authorization: Bearer $KEY" -H "Content-Type: application/yaml" $api/models/churn-predictor/policy --data-binary $'stages:\n  shadow: {requiredApprovals: 1, autoDeploy: false}\n  production: {requiredApprovals: 2, minSoak: P1D, blockOnIncidentSeverity: SEV2}' | jq -c .
PROMO=$(curl -fsS "${H[@]}" -H "Idempotency-Key: churn-1.0.0-shadow" $api/promotions -d '{"model":"churn-predictor","version":"1.0.0","targetStage":"shadow","justification":"AUC 0.91 offline, slices pass","evidence":[]}' | jq -er .id)
curl -fsS -H "Authorization: Bearer $SAM" "$api/promotions?awaitingMe=true" | jq -c .   # sam's approval inbox
curl -fsS -H "Authorization: Bearer $SAM" -H "Content-Type: application/json" $api/promotions/$PROMO/approvals -d '{"comment":"Slices look fine"}' | jq -c .
curl -fsS "${H[@]}" $api/promotions/$PROMO/deployment -d '{}' | jq -c .
curl -fsS "${H[@]}" $api/promotions/$PROMO | jq .                                        # gates, approvals, policy revision, timeline
curl -fsS "${H[@]}" $api/models/churn-predictor/stages/shadow/history | jq .             # every version that ran in shadow
DEPLOYED=$(curl -fsS "${H[@]}" $api/models/churn-predictor/stages/shadow/history | jq -er '.[-1].from')   # 1.0.0 arrived
curl -fsS "${H[@]}" "$api/models/churn-predictor/deployments?at=$DEPLOYED" | jq .         # what ran in every stage then

# On call: a rotation in a real time zone (members need the oncall role), an SLO, and labels arriving
# late that burn the budget 16x: the breach opens a SEV2 incident routed to whoever is on call, in the team's queue
# (weekly shifts handed over on Mondays at 10:00 Berlin time, started two weeks ago so that someone is on call now)
curl -fsS -X PUT "${H[@]}" $api/teams/growth-ml/rotation -d "{\"timeZone\":\"Europe/Berlin\",\"handoffDay\":\"Monday\",\"handoffTime\":\"10:00\",\"shiftLength\":\"P7D\",\"members\":[\"kim\",\"lee\"],\"shadows\":[],\"startsOn\":\"$(date -u -d '-14 days' +%F)\"}" | jq -c .
curl -fsS "${H[@]}" $api/teams/growth-ml/oncall | jq -c .
SLO=$(curl -fsS "${H[@]}" $api/slos -d '{"name":"offer-precision","model":"churn-predictor","stage":"shadow","objective":0.95,"window":"P28D","labelDelay":"PT1M","description":"Share of retention offers that went to subscribers who were about to cancel"}' | jq -er .id)
BUCKETS=$(for m in $(seq 70 -5 10); do echo "{\"from\":\"$(date -u -d "-$m min" +%FT%H:%M:00Z)\",\"to\":\"$(date -u -d "-$((m-5)) min" +%FT%H:%M:00Z)\",\"good\":200,\"total\":1000}"; done | paste -sd, -)
curl -fsS "${H[@]}" $api/slos/$SLO/measurements -d "[$BUCKETS]" | jq -c .
curl -fsS "${H[@]}" $api/slos/$SLO | jq .                                                # breaching, burn rates, the incident it opened
curl -fsS "${H[@]}" $api/teams/growth-ml/queue | jq .                                    # severity then age, ack deadline, assignee
curl -fsS "${H[@]}" -H "Accept: text/markdown" $api/teams/growth-ml/shift-report

# The model explains itself: generated documentation, now or as of any past instant (also as HTML at /docs)
curl -fsS "${H[@]}" $api/docs/models/churn-predictor

# The audit trail: every event with its actor, and proof that nobody rewrote history
curl -fsS "${H[@]}" "$api/audit/events?model=churn-predictor&limit=20" | jq -c '.events[] | [.recordedAt, .type, .metadata.actor]'
curl -fsS "${H[@]}" $api/streams/model-churn-predictor/events | jq -c '.events[] | .type'
curl -fsS "${H[@]}" $api/audit/verify | jq -c .
