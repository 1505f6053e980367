import { crmRecordDefs, crmScope, type EntityBundle } from '../bundle.js';
import { enumField, link, systemFields, systemLinks, text, varchar } from '../fieldKit.js';

const stageOptions = ['Prospecting', 'Qualification', 'Proposal', 'Negotiation', 'Closed Won', 'Closed Lost'];

/** Present so that scopes outside an API user's role exist (and are refused), as on a real CRM. */
export function opportunityBundle(): EntityBundle {
  return {
    name: 'Opportunity',
    scope: crmScope({ statusField: 'stage' }),
    entityDefs: {
      fields: {
        name: varchar(150, { required: true }),
        amount: { type: 'currency', required: true, min: 0, audited: true },
        amountCurrency: enumField(['USD']),
        amountConverted: { type: 'currencyConverted', readOnly: true },
        account: link(),
        stage: enumField(stageOptions, { default: 'Prospecting', audited: true }),
        probability: { type: 'int', min: 0, max: 100 },
        closeDate: { type: 'date', required: true, audited: true },
        description: text(),
        ...systemFields(true),
      },
      links: { ...systemLinks(true), account: { type: 'belongsTo', entity: 'Account', foreign: 'opportunities' } },
      collection: { orderBy: 'createdAt', order: 'desc', textFilterFields: ['name'] },
    },
    clientDefs: { controller: 'controllers/record', kanbanViewMode: true, iconClass: 'fas fa-dollar-sign' },
    recordDefs: crmRecordDefs(),
    layouts: {
      detail: [{ label: 'Overview', rows: [[{ name: 'name' }, { name: 'account' }], [{ name: 'stage' }, { name: 'amount' }], [{ name: 'closeDate' }, { name: 'probability' }]] }],
      list: [{ name: 'name', link: true }, { name: 'account', width: 22 }, { name: 'stage', width: 14 }, { name: 'amount', width: 14 }],
      filters: ['stage', 'closeDate', 'assignedUser'],
      massUpdate: ['stage', 'assignedUser'],
      kanban: [{ name: 'name', link: true }, { name: 'amount' }],
    },
    labels: { scopeName: 'Opportunity', scopeNamePlural: 'Opportunities', options: { stage: Object.fromEntries(stageOptions.map((o) => [o, o])) } },
  };
}
