import { applyDecorators } from '@nestjs/common';
import { IsString, Matches, MaxLength } from 'class-validator';

/**
 * Text a person typed: bounded, not blank (unless allowed), no control characters (PostgreSQL rejects NUL in
 * text and jsonb, and nothing else in an address needs them). Notes may span lines.
 */
export function IsHumanText(
  maxLength: number,
  options: { multiline?: boolean; allowBlank?: boolean } = {},
) {
  const pattern = options.multiline
    ? // eslint-disable-next-line no-control-regex
      /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/
    : // eslint-disable-next-line no-control-regex
      /^[^\u0000-\u001f\u007f]*$/;
  return applyDecorators(
    IsString(),
    MaxLength(maxLength),
    ...(options.allowBlank ? [] : [Matches(/\S/, { message: '$property must not be blank' })]),
    Matches(pattern, { message: '$property must not contain control characters' }),
  );
}
