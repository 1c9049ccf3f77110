import { Router } from 'express';

export function homeRoutes(): Router {
  const router = Router();
  // reading the session here never creates one: saveUninitialized is false
  router.get('/', (_req, res) => {
    res.render('home', { title: 'Cloakroom' });
  });
  return router;
}
