// env values: how a variable becomes a typed value, with a message that
// names the variable when it cannot. config.ts reads the core's variables with
// these, and each feature its own (src/features/*/settings.ts).
import { z } from 'zod';

export const intInRange = (name: string, min: number, max: number, fallback: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .pipe(z.number().min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`))
    .optional()
    .transform((v) => v ?? fallback);

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "30m", "12h", "2s", "500ms": a duration in milliseconds. */
export const duration = (name: string, min: number, max: number, fallback: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : v))
    .pipe(
      z
        .string()
        .regex(/^\d+(ms|s|m|h|d)$/, `${name} must be a number with a unit: 500ms, 30s, 30m, 12h or 7d`)
        .transform((v) => {
          const [, amount = '0', unit = 'ms'] = /^(\d+)(ms|s|m|h|d)$/.exec(v) ?? [];
          return Number(amount) * UNITS[unit as keyof typeof UNITS];
        })
        .pipe(
          z
            .number()
            .min(min, `${name} must be at least ${min} ms`)
            .max(max, `${name} must be at most ${max / 86_400_000} days`),
        ),
    );

export const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

/**
 * Reads some variables with their schemas (a feature's, src/feature.ts): each
 * problem goes to `problems`, naming its variable; undefined if there was one.
 */
export function readVariables<Shape extends z.ZodRawShape>(
  shape: Shape,
  env: NodeJS.ProcessEnv,
  problems: string[],
): z.infer<z.ZodObject<Shape>> | undefined {
  const parsed = z.object(shape).safeParse(env);
  if (parsed.success) return parsed.data;
  problems.push(...parsed.error.issues.map((issue) => issue.message));
  return undefined;
}
