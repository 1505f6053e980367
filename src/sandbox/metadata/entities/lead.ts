import { crmRecordDefs, crmScope, type EntityBundle } from '../bundle.js';
import { addressFields, contactChannelFields, enumField, link, linkMultiple, personNameFields, systemFields, systemLinks, text, varchar } from '../fieldKit.js';

const statusOptions = ['New', 'Assigned', 'In Process', 'Converted', 'Recycled', 'Dead'];
const sourceOptions = ['', 'Call', 'Email', 'Existing Customer', 'Partner', 'Public Relations', 'Web Site', 'Campaign', 'Other'];

export function leadBundle(): EntityBundle {
  return {
    name: 'Lead',
    scope: crmScope({ statusField: 'status', hasPersonalData: true, duplicateCheckFieldList: ['name', 'emailAddress'], notifications: true }),
    entityDefs: {
      fields: {
        ...personNameFields(['emailAddress', 'phoneNumber', 'accountName']),
        title: varchar(100),
        status: enumField(statusOptions, {
          default: 'New', style: { 'In Process': 'primary', Converted: 'success', Recycled: 'info', Dead: 'info' },
          displayAsLabel: true, labelType: 'state', audited: true,
          fieldManagerAdditionalParamList: [{ name: 'notActualOptions', view: 'views/admin/field-manager/fields/not-actual-options' }],
          notActualOptions: ['Converted', 'Recycled', 'Dead'], customizationOptionsReferenceDisabled: true,
        }),
        source: enumField(sourceOptions, { customizationOptionsReferenceDisabled: true }),
        // As in EspoCRM: Lead's industry has no options of its own, it reuses Account's.
        industry: { type: 'enum', view: 'crm:views/lead/fields/industry', customizationOptionsDisabled: true, optionsReference: 'Account.industry', isSorted: true },
        opportunityAmount: { type: 'currency', min: 0, decimal: false, audited: true },
        opportunityAmountCurrency: enumField(['USD'], { layoutDetailDisabled: true, layoutListDisabled: true }),
        opportunityAmountConverted: { type: 'currencyConverted', readOnly: true },
        website: { type: 'url', strip: true },
        ...addressFields('address'),
        ...contactChannelFields(),
        doNotCall: { type: 'bool' },
        description: text(),
        convertedAt: { type: 'datetime', readOnly: true, layoutMassUpdateDisabled: true },
        accountName: varchar(255, { pattern: '$noBadCharacters' }),
        campaign: link(),
        createdAccount: link({ layoutDetailDisabled: true, layoutMassUpdateDisabled: true }),
        createdContact: link({ layoutDetailDisabled: true, layoutMassUpdateDisabled: true }),
        createdOpportunity: link({ layoutDetailDisabled: true, layoutMassUpdateDisabled: true }),
        targetLists: linkMultiple({ layoutDetailDisabled: true, layoutListDisabled: true, noLoad: true }),
        targetListIsOptedOut: { type: 'bool', notStorable: true, orderDisabled: true, readOnly: true, utility: true },
        streamUpdatedAt: { type: 'datetime', readOnly: true },
        ...systemFields(true),
      },
      links: {
        ...systemLinks(true),
        campaign: { type: 'belongsTo', entity: 'Campaign', foreign: 'leads' },
        createdAccount: { type: 'belongsTo', entity: 'Account', foreign: 'originalLead' },
        createdContact: { type: 'belongsTo', entity: 'Contact', foreign: 'originalLead' },
        createdOpportunity: { type: 'belongsTo', entity: 'Opportunity', foreign: 'originalLead' },
        targetLists: { type: 'hasMany', entity: 'TargetList', foreign: 'leads' },
      },
      collection: { orderBy: 'createdAt', order: 'desc', textFilterFields: ['name', 'accountName', 'emailAddress'] },
      convertEntityList: ['Account', 'Contact', 'Opportunity'],
      convertFields: {
        Contact: {},
        Account: { name: 'accountName', billingAddressCity: 'addressCity', billingAddressCountry: 'addressCountry' },
        Opportunity: { amount: 'opportunityAmount', leadSource: 'source' },
      },
      indexes: {
        name: { columns: ['firstName', 'lastName'] },
        status: { columns: ['status', 'deleted'] },
        createdAt: { columns: ['createdAt', 'deleted'] },
        assignedUser: { columns: ['assignedUserId', 'deleted'] },
      },
    },
    clientDefs: {
      controller: 'controllers/record',
      boolFilterList: ['onlyMy'],
      filterList: ['actual', 'converted'],
      kanbanViewMode: true,
      color: '#d4729b',
      iconClass: 'fas fa-address-card',
    },
    recordDefs: {
      ...crmRecordDefs(),
      afterCreateHookClassNameList: ['Espo\\Modules\\Crm\\Classes\\RecordHooks\\Lead\\AfterCreate'],
      relationships: { targetLists: { mandatoryAttributeList: ['isOptedOut'] } },
    },
    layouts: {
      detail: [
        {
          label: 'Overview',
          rows: [
            [{ name: 'name' }, { name: 'accountName' }],
            [{ name: 'emailAddress' }, { name: 'phoneNumber' }],
            [{ name: 'title' }, { name: 'website' }],
            [{ name: 'address' }, false],
          ],
        },
        {
          label: 'Details',
          rows: [
            [{ name: 'status' }, { name: 'source' }],
            [{ name: 'opportunityAmount' }, { name: 'industry' }],
            [{ name: 'description', fullWidth: true }],
          ],
        },
      ],
      detailSmall: [
        {
          label: '',
          rows: [
            [{ name: 'name', fullWidth: true }],
            [{ name: 'accountName', fullWidth: true }],
            [{ name: 'emailAddress' }, { name: 'phoneNumber' }],
            [{ name: 'status' }, { name: 'source' }],
          ],
        },
      ],
      // EspoCRM's own Lead list layout has the string "true" here; readers must cope, so we keep it
      list: [
        { name: 'name', link: 'true' },
        { name: 'status', width: 14 },
        { name: 'emailAddress', notSortable: true, width: 22 },
        { name: 'assignedUser', width: 16 },
        { name: 'createdAt', width: 14 },
      ],
      listSmall: [
        { name: 'name', link: true },
        { name: 'status', width: 18 },
        { name: 'createdAt', width: 20 },
      ],
      filters: ['assignedUser', 'teams', 'createdAt', 'status', 'source', 'emailAddress', 'phoneNumber', 'accountName', 'industry'],
      massUpdate: ['status', 'source', 'assignedUser', 'teams'],
      defaultSidePanel: [{ name: ':assignedUser' }, { name: 'teams' }, { name: 'convertedAt' }],
      sidePanelsDetail: {},
      bottomPanelsDetail: { targetLists: { name: 'targetLists', index: 4 } },
      kanban: [{ name: 'name', link: true }, { name: 'accountName' }],
      relationships: ['targetLists'],
    },
    labels: {
      scopeName: 'Lead',
      scopeNamePlural: 'Leads',
      fields: {
        name: 'Name', accountName: 'Account Name', emailAddress: 'Email', phoneNumber: 'Phone', doNotCall: 'Do Not Call',
        opportunityAmount: 'Opportunity Amount', createdAccount: 'Account', createdContact: 'Contact', createdOpportunity: 'Opportunity',
        convertedAt: 'Converted At', targetLists: 'Target Lists', assignedUser: 'Assigned User',
      },
      options: {
        status: Object.fromEntries(statusOptions.map((o) => [o, o])),
        source: Object.fromEntries(sourceOptions.filter((o) => o !== '').map((o) => [o, o])),
      },
    },
  };
}
