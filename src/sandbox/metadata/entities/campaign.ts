import { crmScope, type EntityBundle } from '../bundle.js';
import { enumField, systemFields, systemLinks, text, varchar } from '../fieldKit.js';

/** A minimal Campaign, the target of `Lead.campaign`. */
export function campaignBundle(): EntityBundle {
  return {
    name: 'Campaign',
    scope: crmScope(),
    entityDefs: {
      fields: {
        name: varchar(100, { required: true }),
        status: enumField(['Planning', 'Active', 'Inactive', 'Complete'], { default: 'Planning' }),
        type: enumField(['Email', 'Newsletter', 'Web', 'Television', 'Radio', 'Mail'], { default: 'Email' }),
        description: text(),
        ...systemFields(true),
      },
      links: { ...systemLinks(true), leads: { type: 'hasMany', entity: 'Lead', foreign: 'campaign' } },
      collection: { orderBy: 'createdAt', order: 'desc', textFilterFields: ['name'] },
    },
    clientDefs: { controller: 'controllers/record' },
    layouts: {
      detail: [{ label: 'Overview', rows: [[{ name: 'name' }, { name: 'status' }], [{ name: 'type' }, false], [{ name: 'description', fullWidth: true }]] }],
      list: [{ name: 'name', link: true }, { name: 'status', width: 20 }, { name: 'type', width: 20 }],
    },
    labels: { scopeName: 'Campaign', scopeNamePlural: 'Campaigns' },
  };
}
