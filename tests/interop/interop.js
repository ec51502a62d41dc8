'use strict';
// Interop check with a SOAP client nobody here wrote (npm "soap"): load the served WSDL, call every operation as an
// insurer and as a source, over SOAP 1.1 and SOAP 1.2, and check the answers. Exits 1 on any mismatch.
// Usage: node interop.js <service url> (credentials come from the environment, set by run.sh).
const zlib = require('zlib');
const crypto = require('crypto');
const soap = require('soap');

const serviceUrl = process.argv[2];
const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set (run.sh sets it)`);
  return value;
};
const insurer = { name: env('INTEROP_INSURER'), password: env('INTEROP_INSURER_PASSWORD') };
const paced = { name: env('INTEROP_PACED_INSURER'), password: env('INTEROP_PACED_PASSWORD') };
const digest = { name: env('INTEROP_DIGEST_INSURER'), secret: env('INTEROP_DIGEST_SECRET') };
const source = { name: env('INTEROP_SOURCE'), password: env('INTEROP_SOURCE_PASSWORD') };
const dataset = env('INTEROP_DATASET');

let failures = 0;
let checks = 0;
function check(condition, what, detail) {
  checks++;
  if (condition) {
    console.log(`  ok   ${what}`);
  } else {
    failures++;
    console.log(`  FAIL ${what}${detail === undefined ? '' : ': ' + (typeof detail === 'string' ? detail : JSON.stringify(detail))}`);
  }
}

async function makeClient(version) {
  const client = await soap.createClientAsync(`${serviceUrl}?wsdl`, { forceSoap12Headers: version === '1.2' });
  const port = client.ExchangeService[version === '1.2' ? 'ExchangeServiceSoap12' : 'ExchangeServiceSoap11'];
  const call = (operation, args) => new Promise((resolve) => {
    port[operation](args, (err, result, rawResponse) => {
      if (err) {
        const body = typeof err.body === 'string' ? err.body : '';
        const code = (body.match(/<(?:\w+:)?Code>(\w+)<\/(?:\w+:)?Code>/) || [])[1] || null;
        resolve({ ok: false, status: err.response ? err.response.status : null, code, body, error: err.message });
      } else {
        resolve({ ok: true, result, raw: rawResponse });
      }
    });
  });
  return { client, call, setSecurity: (security) => client.setSecurity(security) };
}

const text = (who) => new soap.WSSecurity(who.name, who.password, { passwordType: 'PasswordText', hasTimeStamp: false, mustUnderstand: true });
const basic = (who) => new soap.BasicAuthSecurity(who.name, who.password);
const digestSecurity = () => new soap.WSSecurity(digest.name, digest.secret, { passwordType: 'PasswordDigest', hasNonce: true, hasTimeStamp: false });
const asArray = (value) => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]);

async function run(version) {
  console.log(`SOAP ${version}`);
  const c = await makeClient(version);
  const faultStatus = (code) => (version === '1.1' ? 500 : code === 'Unavailable' ? 500 : 400);

  // Source: PushBatch (idempotent by BatchKey).
  c.setSecurity(text(source));
  const rows = [
    { AAC001: `P-${version}-1`, AAC003: '张三', AAE019: '123.45', AAE036: '2026-11-22T08:00:00+08:00' },
    { AAC001: `P-${version}-2`, AAC003: '李四', AAE019: '0.10', AAE036: '2026-11-22T08:00:01+08:00' },
  ];
  const raw = Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n') + '\n', 'utf8');
  const payload = zlib.gzipSync(raw).toString('base64');
  const batchKey = `interop-${version}-${crypto.randomUUID()}`;
  const push = await c.call('PushBatch', { Dataset: dataset, BatchKey: batchKey, Format: 'jsonl+gzip', Payload: payload });
  check(push.ok && push.result.Duplicate === false && Number(push.result.Seq) >= 1, 'PushBatch as source stores a new batch', push.ok ? push.result : push.body);
  const again = await c.call('PushBatch', { Dataset: dataset, BatchKey: batchKey, Format: 'jsonl+gzip', Payload: payload });
  check(again.ok && again.result.Duplicate === true && again.ok && push.ok && String(again.result.BatchId) === String(push.result.BatchId),
    'PushBatch with the same BatchKey is a duplicate of the first batch', again.ok ? again.result : again.body);
  const sourcePoll = await c.call('Poll', {});
  check(!sourcePoll.ok && sourcePoll.code === 'Forbidden' && sourcePoll.status === faultStatus('Forbidden'), 'Poll as source is Forbidden', sourcePoll);

  // Insurer (PasswordText): Poll, FetchBatch, Ack.
  c.setSecurity(text(insurer));
  const poll = await c.call('Poll', { Dataset: dataset, MaxBatches: 100 });
  const batches = poll.ok ? asArray(poll.result.Batch) : [];
  const mine = batches.find((b) => push.ok && String(b.BatchId) === String(push.result.BatchId));
  check(poll.ok && mine !== undefined && Number(mine.RowCount) === rows.length && mine.Format === 'jsonl+gzip', 'Poll as insurer lists the pushed batch with its row count', poll.ok ? poll.result : poll.body);
  check(poll.ok && typeof poll.result.HasMore === 'boolean' && Number.isInteger(Number(poll.result.NextPollAfterSeconds)), 'Poll answers HasMore and NextPollAfterSeconds', poll.ok ? poll.result : poll.body);

  const fetch = mine ? await c.call('FetchBatch', { BatchId: mine.BatchId }) : { ok: false, body: 'no batch to fetch' };
  if (fetch.ok) {
    const bytes = Buffer.from(fetch.result.Payload, 'base64');
    const unzipped = zlib.gunzipSync(bytes);
    const sha = crypto.createHash('sha256').update(unzipped).digest('hex');
    const lines = unzipped.toString('utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
    check(sha === fetch.result.Header.Sha256 && Number(fetch.result.Header.SizeBytes) === bytes.length, 'FetchBatch payload matches its Sha256 and SizeBytes');
    check(lines.length === rows.length && lines[0].AAC003 === '张三' && lines[1].AAE019 === '0.10', 'FetchBatch payload holds the pushed rows unchanged', lines);
  } else {
    check(false, 'FetchBatch as insurer', fetch.body);
  }

  const ack = mine ? await c.call('Ack', { Dataset: dataset, Seq: mine.Seq }) : { ok: false };
  check(ack.ok && String(ack.result.AckedSeq) === String(mine.Seq), 'Ack moves the cursor to the batch', ack.ok ? ack.result : ack.body);
  const after = await c.call('Poll', { Dataset: dataset });
  check(after.ok && !asArray(after.result.Batch).some((b) => String(b.BatchId) === String(mine && mine.BatchId)), 'Poll after Ack no longer lists the batch', after.ok ? after.result : after.body);
  const beyond = await c.call('Ack', { Dataset: dataset, Seq: 999999 });
  check(!beyond.ok && beyond.code === 'AckOutOfRange' && beyond.status === faultStatus('AckOutOfRange'), 'Ack beyond the last batch is AckOutOfRange', beyond);
  const unknown = await c.call('FetchBatch', { BatchId: 987654321 });
  check(!unknown.ok && unknown.code === 'UnknownBatch', 'FetchBatch of an unknown id is UnknownBatch', unknown);
  const insurerPush = await c.call('PushBatch', { Dataset: dataset, BatchKey: 'x', Format: 'jsonl+gzip', Payload: payload });
  check(!insurerPush.ok && insurerPush.code === 'Forbidden', 'PushBatch as insurer is Forbidden', insurerPush);

  // Request/response pairing: submit (idempotent by MsgId), read the answer once the worker has it.
  const msgId = `interop-${version}-${crypto.randomUUID()}`;
  const input = '{"idNumber":"11010519491231002X"}';
  const submit = await c.call('SubmitRequest', { MsgId: msgId, InfNo: '1101', Input: input });
  check(submit.ok && submit.result.MsgId === msgId && submit.result.RefMsgId && ['Pending', 'Processing', 'Completed'].includes(submit.result.Status),
    'SubmitRequest accepts a request and assigns a RefMsgId', submit.ok ? submit.result : submit.body);
  const resubmit = await c.call('SubmitRequest', { MsgId: msgId, InfNo: '1101', Input: input });
  check(resubmit.ok && submit.ok && resubmit.result.RefMsgId === submit.result.RefMsgId, 'SubmitRequest with the same MsgId returns the original request', resubmit.ok ? resubmit.result : resubmit.body);
  const conflicting = await c.call('SubmitRequest', { MsgId: msgId, InfNo: '1101', Input: '{"idNumber":"44030519590706679X"}' });
  check(!conflicting.ok && conflicting.code === 'DuplicateMsgId', 'SubmitRequest reusing a MsgId for other content is DuplicateMsgId', conflicting);
  let answer = null;
  for (let attempt = 0; attempt < 40; attempt++) {
    const got = await c.call('GetResponse', { MsgId: msgId });
    if (!got.ok || got.result.Status === 'Completed' || got.result.Status === 'Failed' || got.result.Status === 'Expired') { answer = got; break; }
    await new Promise((r) => setTimeout(r, 500));
  }
  check(answer && answer.ok && answer.result.Status === 'Completed' && Number(answer.result.InfCode) === 0 && typeof answer.result.Output === 'string',
    'GetResponse returns the one answer of the request', answer ? (answer.ok ? answer.result : answer.body) : 'no answer within 20 s');
  const unknownMsg = await c.call('GetResponse', { MsgId: 'interop-never-submitted' });
  check(!unknownMsg.ok && unknownMsg.code === 'InvalidRequest', 'GetResponse of a MsgId never submitted is InvalidRequest', unknownMsg);

  // Source side of request answering (no request type is External in the shipped schedule, so nothing is pending).
  c.setSecurity(text(source));
  const take = await c.call('TakePendingRequests', { MaxRequests: 10 });
  check(take.ok && asArray(take.result && take.result.Request).length === 0, 'TakePendingRequests as source answers (nothing pending)', take.ok ? take.result : take.body);
  const put = await c.call('PutResponse', { RefMsgId: 'EX-unknown', InfCode: 0, Output: '[]' });
  check(!put.ok && put.code === 'InvalidRequest', 'PutResponse for a request never taken is InvalidRequest', put);
  c.setSecurity(text(insurer));

  // HTTP Basic instead of WS-Security.
  c.setSecurity(basic(insurer));
  const viaBasic = await c.call('Poll', { Dataset: dataset });
  check(viaBasic.ok, 'Poll with HTTP Basic', viaBasic.ok ? viaBasic.result : viaBasic.body);

  // PasswordDigest (nonce + created), a fresh nonce each call.
  c.setSecurity(digestSecurity());
  const d1 = await c.call('Poll', { Dataset: dataset });
  const d2 = await c.call('Poll', { Dataset: dataset });
  check(d1.ok && d2.ok, 'Poll twice with PasswordDigest (fresh nonces)', d1.ok ? (d2.ok ? '' : d2.body) : d1.body);

  // Wrong password.
  c.setSecurity(text({ name: insurer.name, password: 'wrong-password' }));
  const wrong = await c.call('Poll', {});
  check(!wrong.ok && wrong.code === 'AuthFailed' && wrong.status === faultStatus('AuthFailed'), 'Wrong password is AuthFailed', wrong);

  // Agreed poll interval.
  c.setSecurity(text({ name: `${paced.name}-${version.replace('.', '')}`, password: paced.password }));
  const p1 = await c.call('Poll', {});
  const p2 = await c.call('Poll', {});
  check(p1.ok && !p2.ok && p2.code === 'PollTooSoon' && /<(?:\w+:)?RetryAfterSeconds>\d+</.test(p2.body), 'Second Poll within the agreed interval is PollTooSoon with RetryAfterSeconds', p2);
}

(async () => {
  try {
    for (const version of ['1.1', '1.2']) {
      await run(version);
    }
  } catch (error) {
    failures++;
    console.log(`  FAIL unexpected error: ${error && error.stack ? error.stack : error}`);
  }

  console.log(`interop: ${checks - failures}/${checks} checks passed`);
  process.exit(failures === 0 ? 0 : 1);
})();
