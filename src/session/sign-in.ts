// sign in: the one correct order for turning a visitor into a logged-in user.
import type { Request } from 'express';
import { regenerateSession, saveSession } from './promises.js';

export async function signIn(req: Request, user: { id: string; username: string }): Promise<void> {
  // 1. a brand-new session ID: an ID an attacker planted or saw before login
  //    (session fixation) is thrown away with the old session
  await regenerateSession(req);
  // 2. only now put the user in it
  req.session.userId = user.id;
  req.session.username = user.username;
  req.session.loginAt = Date.now();
  // 3. wait until the store has written it. Redirecting first lets the browser
  //    ask for /dashboard before the session exists in MongoDB, and the user
  //    lands on the login page again (the classic redirect race)
  await saveSession(req);
}
