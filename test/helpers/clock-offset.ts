// clock offset: loaded first (node --import) into a process whose clock must
// differ from the tests' by CLOCK_OFFSET_MS, as a provider's on another
// machine may (test/features/oidc/provider-password.test.ts).
const offset = Number(process.env.CLOCK_OFFSET_MS ?? 0);
const realNow = Date.now.bind(Date);
Date.now = () => realNow() + offset;
