import { applyDecorators } from '@nestjs/common';
import { IsString, Matches, MaxLength, ValidateBy, ValidationOptions } from 'class-validator';
import { unsafeTextProblem } from './text-safety';

/**
 * No unpaired surrogate, control or bidirectional control character; tab and line breaks only
 * when `multiline`. The body check (http-middleware.ts) refuses most of these for every field
 * already; this one knows which fields may span lines.
 */
export function IsSafeText(options: { multiline?: boolean } = {}, validation?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isSafeText',
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'string' || unsafeTextProblem(value, options) === undefined,
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} ${
            unsafeTextProblem(String(args?.value ?? ''), options) ?? 'is not acceptable text'
          }`,
      },
    },
    validation,
  );
}

/**
 * Text a person typed: bounded, not blank (unless allowed), no control characters (PostgreSQL rejects NUL in
 * text and jsonb, and nothing else in an address needs them). Notes may span lines.
 */
export function IsHumanText(
  maxLength: number,
  options: { multiline?: boolean; allowBlank?: boolean } = {},
) {
  return applyDecorators(
    IsString(),
    MaxLength(maxLength),
    ...(options.allowBlank ? [] : [Matches(/\S/, { message: '$property must not be blank' })]),
    IsSafeText({ multiline: options.multiline }),
  );
}
