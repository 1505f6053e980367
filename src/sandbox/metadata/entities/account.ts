import { crmRecordDefs, crmScope, type EntityBundle } from '../bundle.js';
import { addressFields, contactChannelFields, enumField, industryOptions, linkMultiple, systemFields, systemLinks, text, varchar } from '../fieldKit.js';

const typeOptions = ['', 'Customer', 'Investor', 'Partner', 'Reseller'];

export function accountBundle(): EntityBundle {
  return {
    name: 'Account',
    scope: crmScope({ hasPersonalData: false, duplicateCheckFieldList: ['name', 'emailAddress'] }),
    entityDefs: {
      fields: {
        name: varchar(249, { required: true, pattern: '$noBadCharacters' }),
        website: { type: 'url', strip: true },
        ...contactChannelFields(),
        type: enumField(typeOptions),
        industry: enumField(industryOptions, { isSorted: true }),
        sicCode: varchar(40),
        ...addressFields('billingAddress'),
        ...addressFields('shippingAddress'),
        description: text(),
        contacts: linkMultiple({ layoutDetailDisabled: true, layoutListDisabled: true }),
        streamUpdatedAt: { type: 'datetime', readOnly: true },
        ...systemFields(true),
      },
      links: {
        ...systemLinks(true),
        contacts: { type: 'hasMany', entity: 'Contact', foreign: 'accounts', relationName: 'accountContact' },
        opportunities: { type: 'hasMany', entity: 'Opportunity', foreign: 'account' },
      },
      collection: { orderBy: 'createdAt', order: 'desc', textFilterFields: ['name', 'emailAddress'] },
    },
    clientDefs: { controller: 'controllers/record', boolFilterList: ['onlyMy'], color: '#edc555', iconClass: 'fas fa-building' },
    recordDefs: crmRecordDefs(),
    layouts: {
      detail: [
        {
          label: 'Overview',
          rows: [
            [{ name: 'name' }, { name: 'website' }],
            [{ name: 'emailAddress' }, { name: 'phoneNumber' }],
            [{ name: 'billingAddress' }, { name: 'shippingAddress' }],
          ],
        },
        { label: 'Details', rows: [[{ name: 'type' }, { name: 'industry' }], [{ name: 'description', fullWidth: true }]] },
      ],
      detailSmall: [{ label: '', rows: [[{ name: 'name', fullWidth: true }], [{ name: 'website' }, { name: 'phoneNumber' }]] }],
      list: [
        { name: 'name', link: true },
        { name: 'billingAddressCountry', width: 16 },
        { name: 'billingAddressCity', width: 16 },
        { name: 'emailAddress', notSortable: true, width: 22 },
      ],
      listSmall: [{ name: 'name', link: true }, { name: 'type', width: 20 }],
      filters: ['assignedUser', 'teams', 'type', 'industry', 'billingAddressCountry', 'createdAt'],
      massUpdate: ['type', 'industry', 'assignedUser', 'teams'],
      defaultSidePanel: [{ name: ':assignedUser' }, { name: 'teams' }],
      sidePanelsDetail: {},
      bottomPanelsDetail: { contacts: { name: 'contacts', index: 1 }, opportunities: { name: 'opportunities', index: 2 } },
      relationships: ['contacts', 'opportunities'],
    },
    labels: {
      scopeName: 'Account',
      scopeNamePlural: 'Accounts',
      fields: { name: 'Name', emailAddress: 'Email', phoneNumber: 'Phone', sicCode: 'Sic Code', contacts: 'Contacts', assignedUser: 'Assigned User' },
      options: { type: Object.fromEntries(typeOptions.filter((o) => o).map((o) => [o, o])) },
    },
  };
}
