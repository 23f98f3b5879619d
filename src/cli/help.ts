import { readFileSync } from 'node:fs';
import { Help, type HelpConfiguration, type Option } from 'commander';

/** The package's version: package.json sits two folders up from src/cli/ and dist/cli/ alike. */
export const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Help text that already names a default ("defaults to ...", "off by default"): commander's "(default: X)" would repeat it. */
const SAYS_DEFAULT = /\bdefaults? to\b|\bby default\b/;

/**
 * One "default" per option line (the text's when it gives one, else commander's) and "(required)"
 * on the options a command cannot run without.
 */
export const helpConfiguration: HelpConfiguration = {
  optionDescription(option: Option): string {
    const shown = SAYS_DEFAULT.test(option.description ?? '') ? Object.assign(Object.create(option) as Option, { defaultValue: undefined }) : option;
    const text = Help.prototype.optionDescription.call(this, shown);
    return option.mandatory ? `${text} (required)` : text;
  },
};
