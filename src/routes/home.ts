// home: the front page.
import type { RequestHandler } from 'express';

export function homePage() {
  // reading the session here never creates one: saveUninitialized is false
  const show: RequestHandler = (_req, res) => {
    res.render('home', { title: 'Cloakroom' });
  };
  return { show };
}
