import { describe, expect, it } from 'vitest';
import { defaultTemplates, placeholders, renderTemplate, unknownPlaceholders } from './template.js';
import type { TemplateValues } from './template.js';

const values = Object.fromEntries(placeholders.map((p) => [p, `<${p}>`])) as TemplateValues;

describe('e-mail templates', () => {
  it('fill every placeholder, escaping values in HTML only, line breaks as <br>', () => {
    const out = renderTemplate(
      {
        subject: 'S {{updates}}\n',
        text: '{{ schedule }} & {{when}}',
        html: '<p>{{schedule}}</p>',
      },
      { ...values, schedule: 'a & <b>\nc' },
    );
    expect(out.subject).toBe('S <updates> ');
    expect(out.text).toBe('a & <b>\nc & <when>');
    expect(out.html).toBe('<p>a &amp; &lt;b&gt;<br>\nc</p>');
  });

  it('name the placeholders a template has that the server does not fill', () => {
    expect(unknownPlaceholders('{{updates}} {{hostname}} {{ owner }}')).toEqual([
      'hostname',
      'owner',
    ]);
    for (const t of Object.values(defaultTemplates)) {
      expect(unknownPlaceholders(t.subject + t.text + t.html)).toEqual([]);
    }
  });
});
