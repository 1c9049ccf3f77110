// event loop: how many times the event loop turned while some work ran. A
// synchronous (blocking) piece of work allows none.
export async function eventLoopTurnsDuring(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let spinning = true;
  const spin = () => {
    turns += 1;
    if (spinning) setImmediate(spin);
  };
  setImmediate(spin);
  try {
    await work();
  } finally {
    spinning = false;
  }
  return turns;
}
